//! Raw benchmark rows (CSV) and the per-layout summary table.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};

const MIB: f64 = (1u64 << 20) as f64;

/// One measured run.
#[derive(Debug, Clone)]
pub struct Row {
    /// Bench-data layout (spec name).
    pub layout: String,
    /// Strategy label, e.g. `xargs`, `vmtouch`, `preload`.
    pub strategy: String,
    /// Read method or variant (`read`, `willneed`, `mmap`, `cat`, ...).
    pub method: String,
    /// Run index, from 0.
    pub run: u32,
    /// Wall time of the child, seconds.
    pub seconds: f64,
    /// Bytes under the layout's directory.
    pub bytes: u64,
    /// Peak RSS of the child (largest single process of its tree), KiB.
    pub peak_rss_kib: u64,
    /// User + system CPU of the child and its reaped descendants, seconds.
    pub cpu_s: f64,
    /// Resident fraction after the run.
    pub resident_after: f64,
    /// Resident fraction before the run (cold check; < 0.01 expected).
    pub resident_before: f64,
}

impl Row {
    /// Throughput, MiB/s.
    pub fn mib_s(&self) -> f64 {
        self.bytes as f64 / MIB / self.seconds.max(1e-9)
    }

    /// Strategy and method as one name, for tables.
    pub fn name(&self) -> String {
        if self.method.is_empty() {
            self.strategy.clone()
        } else {
            format!("{} {}", self.strategy, self.method)
        }
    }
}

/// CSV header, matching [`Csv::write`].
const HEADER: &str = "layout,strategy,method,run,seconds,bytes,mib_s,peak_rss_kib,cpu_s,\
     resident_after,resident_before";

/// A CSV file written row by row (flushed after each, so an interrupted
/// benchmark keeps what it measured).
#[derive(Debug)]
pub struct Csv(BufWriter<File>);

impl Csv {
    /// Creates `path` (and its directory) and writes the header.
    pub fn create(path: &Path) -> Result<Csv> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let f = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        let mut w = BufWriter::new(f);
        writeln!(w, "{HEADER}")?;
        Ok(Csv(w))
    }

    /// Appends one row.
    pub fn write(&mut self, r: &Row) -> Result<()> {
        writeln!(
            self.0,
            "{},{},{},{},{:.4},{},{:.1},{},{:.3},{:.4},{:.4}",
            r.layout,
            r.strategy,
            r.method,
            r.run,
            r.seconds,
            r.bytes,
            r.mib_s(),
            r.peak_rss_kib,
            r.cpu_s,
            r.resident_after,
            r.resident_before
        )?;
        self.0.flush()?;
        Ok(())
    }
}

pub use preload_stats::median;
use preload_table::Table;

/// The summary table of `rows` (one layout): one line per strategy in order
/// of first appearance, the ratio column (baseline median time / strategy
/// median time, > 1 = faster) against `baseline` (a [`Row::name`]), headed
/// `vs <label>`.
pub fn table(rows: &[Row], baseline: &str, label: &str) -> String {
    let mut names: Vec<String> = Vec::new();
    for r in rows {
        if !names.contains(&r.name()) {
            names.push(r.name());
        }
    }
    let of = |name: &str| -> Vec<&Row> { rows.iter().filter(|r| r.name() == name).collect() };
    let base = median(&of(baseline).iter().map(|r| r.seconds).collect::<Vec<_>>());
    let vs = format!("#vs {label}");
    let mut t = Table::new(&[
        "strategy",
        "#runs",
        "#median s",
        "#min-max s",
        "#MiB/s",
        &vs,
        "#CPU s",
        "#RSS MiB",
        "#resident",
        "note",
    ]);
    for name in &names {
        let rs = of(name);
        let secs: Vec<f64> = rs.iter().map(|r| r.seconds).collect();
        let med = median(&secs);
        let min = secs.iter().copied().fold(f64::INFINITY, f64::min);
        let max = secs.iter().copied().fold(0.0, f64::max);
        let mib_s = rs.first().map_or(0.0, |r| r.bytes as f64 / MIB / med);
        let of_rows = |f: fn(&Row) -> f64| median(&rs.iter().map(|r| f(r)).collect::<Vec<_>>());
        let rss = of_rows(|r| r.peak_rss_kib as f64 / 1024.0);
        let cpu = of_rows(|r| r.cpu_s);
        let res = of_rows(|r| r.resident_after);
        let ratio = if base.is_finite() {
            format!("{:.2}x", base / med)
        } else {
            "-".into()
        };
        let mut flags = Vec::new();
        if rs
            .iter()
            .any(|r| r.resident_before >= super::cache::COLD_FRACTION)
        {
            flags.push("not cold in some runs");
        }
        if rs.iter().any(|r| r.resident_after < 0.99) {
            flags.push("< 99% resident after some runs");
        }
        t.row([
            name.clone(),
            secs.len().to_string(),
            format!("{med:.2}"),
            format!("{min:.2}-{max:.2}"),
            format!("{mib_s:.0}"),
            ratio,
            format!("{cpu:.2}"),
            format!("{rss:.1}"),
            format!("{:.1}%", 100.0 * res),
            flags.join("; "),
        ]);
    }
    t.to_text_indented("  ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(strategy: &str, method: &str, seconds: f64) -> Row {
        Row {
            layout: "l".into(),
            strategy: strategy.into(),
            method: method.into(),
            run: 0,
            seconds,
            bytes: 1 << 30,
            peak_rss_kib: 2048,
            cpu_s: 0.5,
            resident_after: 1.0,
            resident_before: 0.0,
        }
    }

    #[test]
    fn table_ratios_against_the_baseline() {
        let rows = vec![
            row("xargs", "", 4.0),
            row("preload", "read", 2.0),
            row("xargs", "", 4.0),
            row("preload", "read", 1.0),
        ];
        let t = table(&rows, "xargs", "xargs");
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3, "{t}");
        assert!(lines[0].contains("vs xargs"), "{t}");
        assert!(lines[1].contains("1.00x"), "{t}");
        // median 1.5 s against 4.0 s: 2.67x, 683 MiB/s.
        assert!(
            lines[2].contains("2.67x") && lines[2].contains("683"),
            "{t}"
        );
        assert!(
            lines[2].contains("2.0 ") || lines[2].contains("2.0  "),
            "{t}"
        );
    }
}
