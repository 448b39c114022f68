//! write_report and write_history_report end to end: the files exist, parse,
//! carry the expected series, and the pages hold the tables and the context.

mod common;

use std::path::Path;

use preload_report::{ReportConfig, ReportError, write_history_report, write_report};
use preload_schema::ResultFile;

/// The text of every text node of an SVG, after an XML parse.
fn svg_text(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("read svg");
    let doc = roxmltree::Document::parse(&text).expect("svg is well-formed XML");
    assert_eq!(
        doc.root_element().tag_name().name(),
        "svg",
        "{}",
        path.display()
    );
    doc.descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Decodes a PNG; checks its size and that its top band (the title) has dark
/// pixels, i.e. text was rendered with the embedded font.
fn check_png(path: &Path, size: (u32, u32)) {
    let img = image::open(path).expect("png decodes").to_rgb8();
    assert_eq!(img.dimensions(), size, "{}", path.display());
    let dark_in_title = (0..size.0)
        .flat_map(|x| (0..50).map(move |y| (x, y)))
        .filter(|&(x, y)| img.get_pixel(x, y).0.iter().all(|&c| c < 100))
        .count();
    assert!(
        dark_in_title > 200,
        "{}: only {dark_in_title} dark pixels in the title band",
        path.display()
    );
    let non_white = img.pixels().filter(|p| p.0 != [255, 255, 255]).count();
    assert!(
        non_white > 10_000,
        "{}: almost blank ({non_white} non-white pixels)",
        path.display()
    );
}

fn opts() -> ReportConfig {
    ReportConfig {
        title: "Test report".into(),
        png: true,
        svg: true,
        redact: false,
    }
}

#[test]
fn single_tune_draws_the_curve_the_knee_and_the_sequential_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = common::input(
        "ext4 /data",
        "tune.json",
        ResultFile::Tune(common::tune("ext4", "/data", 100.0)),
    );
    let files = write_report(&[input], dir.path(), &opts()).unwrap();

    let names: Vec<String> = files
        .charts
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["throughput-ext4-data.png", "throughput-ext4-data.svg"]
    );
    check_png(&files.charts[0], (1200, 700));
    let text = svg_text(&files.charts[1]);
    for expected in [
        "Throughput vs parallelism: ext4 /data",
        "median throughput",
        "min-max of throughput samples",
        "sequential (P=1): 100 MiB/s",
        "knee P=8: 576 MiB/s",
        "chosen knee (recommended -P 8",
        "parallelism P (concurrent readers, log2 scale)",
        "throughput (MiB/s)",
    ] {
        assert!(text.contains(expected), "svg lacks {expected:?}:\n{text}");
    }
    // Log2 axis: ticks at powers of two only.
    let ticks: Vec<&str> = text
        .lines()
        .filter(|l| ["1", "2", "4", "8", "16"].contains(l))
        .collect();
    assert!(ticks.len() >= 5, "x ticks missing: {ticks:?}");
    assert!(
        !text.lines().any(|l| l == "3" || l == "12"),
        "non-power-of-two tick:\n{text}"
    );
}

#[test]
fn two_tunes_and_a_bench_give_a_comparison_and_tables() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = [
        common::input(
            "local NVMe",
            "a/local.json",
            ResultFile::Tune(common::tune("ext4", "/data", 300.0)),
        ),
        common::input(
            "MooseFS",
            "b/mfs.json",
            ResultFile::Tune(common::tune("fuse.mfs", "/mnt/mfs", 90.0)),
        ),
        common::input(
            "bench on MooseFS",
            "c/bench.json",
            ResultFile::Bench(common::bench()),
        ),
    ];
    let files = write_report(&inputs, dir.path(), &opts()).unwrap();
    assert_eq!(files.charts.len(), 8, "{:?}", files.charts);

    let compare = dir.path().join("throughput-compare.svg");
    let text = svg_text(&compare);
    assert!(text.contains("local NVMe (knee P=8"), "{text}");
    assert!(text.contains("MooseFS (knee P=8"), "{text}");
    check_png(&dir.path().join("throughput-compare.png"), (1200, 700));

    let cold = dir.path().join("coldstart-bench-on-moosefs.svg");
    let text = svg_text(&cold);
    for expected in [
        "warm part (median)",
        "load part, --then 'python load_model.py' (median)",
        "min-max of the total (dot: median)",
        "sequential (P=1)",
        "preload (P=8)",
        "cold-start time (s)",
    ] {
        assert!(
            text.contains(expected),
            "cold-start svg lacks {expected:?}:\n{text}"
        );
    }
    check_png(
        &dir.path().join("coldstart-bench-on-moosefs.png"),
        (1200, 700),
    );

    let md = std::fs::read_to_string(&files.markdown).unwrap();
    for expected in [
        "# Test report",
        "| P | Probes | Median MiB/s |",
        "| 8 | 1 | 1728 |",
        "| Strategy | P | Runs ok | Warm s |",
        "| preload | 8 | 3 | 7.00 |",
        "![Throughput vs parallelism of 2 tunes](throughput-compare.png)",
        "(coldstart-bench-on-moosefs.svg)",
        // The machine, filesystem and date of each result.
        "testhost: 16 CPUs, 64.0 GiB memory, kernel 6.1.0-test",
        "ext4 at /data (from /dev/nvme0n1p2)",
        "fuse.mfs at /mnt/mfs",
        "`rw,relatime,errors=remount-ro`",
        "2025-06-01T10:00:00Z",
        "2025-06-02T08:30:00Z",
    ] {
        assert!(md.contains(expected), "report.md lacks {expected:?}:\n{md}");
    }
}

#[test]
fn html_embeds_every_chart_and_references_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = [
        common::input(
            "a",
            "a.json",
            ResultFile::Tune(common::tune("ext4", "/", 100.0)),
        ),
        common::input("b", "b.json", ResultFile::Bench(common::bench())),
    ];
    let files = write_report(&inputs, dir.path(), &opts()).unwrap();
    let html = std::fs::read_to_string(&files.html).unwrap();
    let pngs = files
        .charts
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .count();
    assert_eq!(pngs, 2);
    assert_eq!(html.matches("src=\"data:image/png;base64,").count(), pngs);
    assert_eq!(
        html.matches("src=").count(),
        pngs,
        "a src that is not a data: URI"
    );
    for external in ["href=", "<link", "<script", "url(", "@import"] {
        assert!(!html.contains(external), "report.html has {external}");
    }
    assert!(html.contains("<td class=\"num\">"), "no table in the html");
    assert!(html.contains("testhost: 16 CPUs"));

    // Without PNGs the SVGs are inlined.
    let svg_only = ReportConfig {
        png: false,
        ..opts()
    };
    let dir = tempfile::tempdir().unwrap();
    let files = write_report(&inputs, dir.path(), &svg_only).unwrap();
    let html = std::fs::read_to_string(&files.html).unwrap();
    assert_eq!(html.matches("<svg").count(), 2);
    assert!(!html.contains("src="));
    assert!(!html.contains("<?xml"));
}

#[test]
fn same_labels_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = [
        preload_report::ReportInput::new(
            "x/one.json".into(),
            ResultFile::Tune(common::tune("ext4", "/", 100.0)),
        ),
        preload_report::ReportInput::new(
            "x/two.json".into(),
            ResultFile::Tune(common::tune("ext4", "/", 120.0)),
        ),
    ];
    assert_eq!(inputs[0].label, "ext4 x");
    let files = write_report(&inputs, dir.path(), &opts()).unwrap();
    let text = svg_text(&dir.path().join("throughput-compare.svg"));
    assert!(
        text.contains("ext4 x (one.json)") && text.contains("ext4 x (two.json)"),
        "{text}"
    );
    assert!(
        files
            .charts
            .iter()
            .any(|p| p.ends_with("throughput-ext4-x-two-json.png")),
        "{:?}",
        files.charts
    );
}

#[test]
fn history_marks_regressions() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = common::history();
    rows.push(preload_schema::HistoryRow {
        date: "yesterday".into(),
        ..rows[0].clone()
    });
    let files = write_history_report(&rows, dir.path(), &opts()).unwrap();
    assert_eq!(files.charts.len(), 2);
    check_png(&dir.path().join("history.png"), (1200, 950));
    let text = svg_text(&dir.path().join("history.svg"));
    for expected in [
        "Throughput and knee over time",
        "throughput at the knee",
        "throughput at P=1",
        "REGRESSED (verdict against the baseline)",
        "knee (recommended -P)",
        "knee P (log2)",
        "2025-06-05",
    ] {
        assert!(
            text.contains(expected),
            "history svg lacks {expected:?}:\n{text}"
        );
    }
    assert_eq!(files.warnings.len(), 1, "{:?}", files.warnings);
    assert!(files.warnings[0].contains("row 11"), "{:?}", files.warnings);
    let md = std::fs::read_to_string(&files.markdown).unwrap();
    assert!(md.contains("| 2025-06-07T06:00:00Z | ci-runner | fuse.mfs | tune | /mnt/mfs/models | 16 | 520 | 110 | REGRESSED |"), "{md}");
    assert!(md.contains("1 marked REGRESSED"), "{md}");
    assert!(
        md.contains("![Throughput at the knee and at P=1, and the knee, over time](history.png)"),
        "{md}"
    );
}

#[test]
fn nothing_to_report_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        write_report(&[], dir.path(), &opts()),
        Err(ReportError::Empty(_))
    ));
    assert!(matches!(
        write_history_report(&[], dir.path(), &opts()),
        Err(ReportError::Empty(_))
    ));
}

#[test]
fn unwritable_output_directory_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let input = common::input("a", "a.json", ResultFile::Bench(common::bench()));
    let err = write_report(&[input], &file.join("out"), &opts()).unwrap_err();
    assert!(err.to_string().contains("a-file"), "{err}");
}

#[test]
fn markdown_tables_for_the_terminal() {
    // With --then the speed-ups are against the loader alone (load-only),
    // here as slow as sequential's read-then-load.
    let mut bench = common::bench();
    for iteration in 0..3 {
        let mut run = bench.runs[0].clone();
        run.strategy = "load-only".into();
        run.level = None;
        run.iteration = iteration;
        run.bytes = 0;
        run.warm_s = 0.0;
        run.load_s = Some(43.2);
        run.total_s = 43.2;
        bench.runs.push(run);
    }
    let inputs = [common::input("MooseFS", "b.json", ResultFile::Bench(bench))];
    let md = preload_report::markdown_tables(&inputs);
    assert!(md.starts_with("## MooseFS\n\n| Strategy |"), "{md}");
    assert!(
        md.contains(
            "| sequential | 1 | 3 | 40.0 | 38.0-42.0 | 3.20 | 43.2 | 41.0-45.4 | 205 | 1.00x |"
        ),
        "{md}"
    );
}

#[test]
fn empty_results_still_give_valid_charts() {
    let dir = tempfile::tempdir().unwrap();
    let mut tune = common::tune("ext4", "/", 100.0);
    tune.levels.clear();
    let mut bench = common::bench();
    for r in &mut bench.runs {
        r.exit_status = 1;
    }
    let inputs = [
        common::input("empty tune", "t.json", ResultFile::Tune(tune)),
        common::input("failed bench", "b.json", ResultFile::Bench(bench)),
    ];
    let files = write_report(&inputs, dir.path(), &opts()).unwrap();
    for svg in files
        .charts
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
    {
        assert!(
            svg_text(svg).contains("no data to plot"),
            "{}",
            svg.display()
        );
    }
    let md = std::fs::read_to_string(&files.markdown).unwrap();
    assert!(md.contains("| sequential | 1 | 0 (3 failed) | - |"), "{md}");
}
