//! Everything printed: stdout results, stderr summaries, the progress bar.

pub mod progress;
pub mod summary;

use std::io::Write;

/// Writes `text` to stdout. A closed pipe (`preload status | head`) is not an
/// error: the reader has what it wanted, so the process exits quietly.
pub fn stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("preload: cannot write to stdout: {e}");
    }
}

/// Pretty JSON of a result type, with a final newline.
pub fn json<T: serde::Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).expect("result types always serialize");
    s.push('\n');
    s
}

/// Prints a warning on stderr in the house format.
pub fn warn(msg: &str) {
    eprintln!("preload: warning: {msg}");
}

/// Creates the `--export-csv` file up front, so a bad path fails before any
/// measuring; None when no file was asked for.
pub fn csv_file(
    path: Option<&std::path::Path>,
) -> anyhow::Result<Option<csv::Writer<std::fs::File>>> {
    use anyhow::Context;
    path.map(|p| csv::Writer::from_path(p).with_context(|| format!("creating {}", p.display())))
        .transpose()
}
