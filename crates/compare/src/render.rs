//! Human outputs of a comparison: a terminal table and a Markdown summary
//! for a CI job summary (`$GITHUB_STEP_SUMMARY` and the like).

use std::fmt::Write as _;

use preload_table::Table;

use crate::{Comparison, ItemComparison, KneeShift};

/// A signed percentage, `-50.0%`.
fn signed_pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:+.1}%", x * 100.0)
    } else {
        "n/a".into()
    }
}

/// An unsigned percentage, `5.0%`.
fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.1}%", x * 100.0)
    } else {
        "n/a".into()
    }
}

/// A p-value with three decimals, `<0.001` below that.
fn p_value(p: f64) -> String {
    if !p.is_finite() {
        "n/a".into()
    } else if p < 0.001 {
        "<0.001".into()
    } else {
        format!("{p:.3}")
    }
}

fn interval(i: &ItemComparison) -> String {
    format!("[{}, {}]", signed_pct(i.ci_low), signed_pct(i.ci_high))
}

fn knee_line(k: &KneeShift) -> String {
    let set = k
        .base_knee_set
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let where_ = if k.shifted { "outside" } else { "within" };
    if k.base_knee_set.is_empty() {
        let what = if k.shifted { "moved" } else { "unchanged" };
        format!("P={} -> P={} ({what})", k.base_knee, k.new_knee)
    } else {
        format!(
            "P={} -> P={}, {where_} the baseline's knee set {{{set}}}",
            k.base_knee, k.new_knee
        )
    }
}

/// The comparison's table, for every rendering; numeric columns are
/// marked `#` (right-aligned). The verdict is not set in bold in Markdown:
/// the table model escapes markup, and the verdicts are upper case already.
fn table(c: &Comparison) -> Table {
    let ci = format!("{:.0}% CI", c.confidence * 100.0);
    let mut t = Table::new(&[
        "item",
        "#base MiB/s",
        "#new MiB/s",
        "#change",
        ci.as_str(),
        "#p",
        "#threshold",
        "#n",
        "verdict",
    ]);
    for i in &c.items {
        t.row([
            i.name.clone(),
            format!("{:.1}", i.base_median),
            format!("{:.1}", i.new_median),
            signed_pct(i.change),
            interval(i),
            p_value(i.p_value),
            pct(i.threshold),
            format!("{}/{}", i.base_n, i.new_n),
            i.verdict.to_string(),
        ]);
    }
    t
}

impl Comparison {
    /// The terminal table: one line per item, then the knee, notes and the
    /// overall verdict.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "base: {}", self.base);
        let _ = writeln!(out, "new:  {}", self.new);
        let _ = writeln!(
            out,
            "{} on {}, data set {}; {:.0}% confidence, p < {}, noise threshold {} or the baseline's noise",
            self.kind,
            self.fs_type,
            self.dataset,
            self.confidence * 100.0,
            self.significance,
            pct(self.noise_threshold)
        );
        out.push('\n');
        out.push_str(&table(self).to_text());
        out.push('\n');
        if let Some(k) = &self.knee_shift {
            let _ = writeln!(out, "knee: {}", knee_line(k));
        }
        for note in &self.notes {
            let _ = writeln!(out, "note: {note}");
        }
        let _ = writeln!(out, "overall: {}", self.overall);
        out
    }

    /// A Markdown summary for a CI job page.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "## preload compare: {}\n", self.overall);
        let _ = writeln!(
            out,
            "{} on {}, data set {}: new {} against baseline {}.\n",
            self.kind,
            code(&self.fs_type),
            code(&self.dataset),
            code(&self.new),
            code(&self.base)
        );
        out.push_str(&table(self).to_markdown());
        out.push('\n');
        if let Some(k) = &self.knee_shift {
            let _ = writeln!(out, "**Knee:** {}.\n", knee_line(k));
        }
        if !self.notes.is_empty() {
            out.push_str("Not compared:\n\n");
            for note in &self.notes {
                let _ = writeln!(out, "- {note}");
            }
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "<sub>A change counts only when the whole {:.0}% bootstrap interval of the change \
             of median throughput lies beyond the threshold (the larger of {} and the \
             baseline's own noise) and Welch's t-test gives p &lt; {} (criterion.rs's method).</sub>",
            self.confidence * 100.0,
            pct(self.noise_threshold),
            self.significance
        );
        out
    }
}

/// `text` as inline code, safe when it contains backticks.
fn code(text: &str) -> String {
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Verdict;

    fn sample() -> Comparison {
        let item = |name: &str, b: f64, n: f64, lo: f64, hi: f64, p: f64, v| ItemComparison {
            name: name.into(),
            base_median: b,
            new_median: n,
            change: n / b - 1.0,
            ci_low: lo,
            ci_high: hi,
            p_value: p,
            base_noise: 0.021,
            threshold: 0.05,
            verdict: v,
            base_n: 40,
            new_n: 38,
        };
        Comparison {
            base: "baselines/nightly.json".into(),
            new: "run.json".into(),
            kind: "tune".into(),
            fs_type: "nfs4".into(),
            dataset: "/data/models/x".into(),
            confidence: 0.95,
            significance: 0.05,
            noise_threshold: 0.05,
            items: vec![
                item(
                    "P=1",
                    120.0,
                    118.2,
                    -0.031,
                    0.012,
                    0.41,
                    Verdict::WithinNoise,
                ),
                item(
                    "P=8",
                    812.5,
                    401.0,
                    -0.55,
                    -0.44,
                    0.00001,
                    Verdict::Regressed,
                ),
            ],
            knee_shift: Some(KneeShift {
                base_knee: 8,
                new_knee: 4,
                base_knee_set: vec![8, 16],
                shifted: true,
            }),
            overall: Verdict::Regressed,
            notes: vec!["P=32: only in the new run".into()],
        }
    }

    #[test]
    fn table_snapshot() {
        let expected = "\
base: baselines/nightly.json
new:  run.json
tune on nfs4, data set /data/models/x; 95% confidence, p < 0.05, noise threshold 5.0% or the baseline's noise

item  base MiB/s  new MiB/s  change  95% CI                 p  threshold      n  verdict
P=1        120.0      118.2   -1.5%  [-3.1%, +1.2%]     0.410       5.0%  40/38  WITHIN NOISE
P=8        812.5      401.0  -50.6%  [-55.0%, -44.0%]  <0.001       5.0%  40/38  REGRESSED

knee: P=8 -> P=4, outside the baseline's knee set {8, 16}
note: P=32: only in the new run
overall: REGRESSED
";
        assert_eq!(sample().to_table(), expected);
    }

    #[test]
    fn markdown_snapshot() {
        let expected = "\
## preload compare: REGRESSED

tune on `nfs4`, data set `/data/models/x`: new `run.json` against baseline `baselines/nightly.json`.

| item | base MiB/s | new MiB/s | change | 95% CI | p | threshold | n | verdict |
| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |
| P=1 | 120.0 | 118.2 | -1.5% | \\[-3.1%, +1.2%\\] | 0.410 | 5.0% | 40/38 | WITHIN NOISE |
| P=8 | 812.5 | 401.0 | -50.6% | \\[-55.0%, -44.0%\\] | \\<0.001 | 5.0% | 40/38 | REGRESSED |

**Knee:** P=8 -> P=4, outside the baseline's knee set {8, 16}.

Not compared:

- P=32: only in the new run

<sub>A change counts only when the whole 95% bootstrap interval of the change of median throughput lies beyond the threshold (the larger of 5.0% and the baseline's own noise) and Welch's t-test gives p &lt; 0.05 (criterion.rs's method).</sub>
";
        assert_eq!(sample().to_markdown(), expected);
    }

    #[test]
    fn knee_within_the_set_and_without_a_set() {
        let mut k = KneeShift {
            base_knee: 8,
            new_knee: 16,
            base_knee_set: vec![8, 16],
            shifted: false,
        };
        assert_eq!(
            knee_line(&k),
            "P=8 -> P=16, within the baseline's knee set {8, 16}"
        );
        k.base_knee_set.clear();
        k.shifted = true;
        assert_eq!(knee_line(&k), "P=8 -> P=16 (moved)");
    }

    #[test]
    fn markdown_escapes_pipes_and_backticks() {
        let mut c = sample();
        c.items[0].name = "a|b".into();
        c.base = "we`ird".into();
        let md = c.to_markdown();
        assert!(md.contains("| a\\|b |"), "{md}");
        assert!(md.contains("`` we`ird ``"), "{md}");
    }
}
