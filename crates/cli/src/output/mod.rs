//! Everything printed: stdout results, stderr summaries, the progress bar.

pub mod progress;
pub mod selection;
pub mod summary;

use std::io::Write;

/// Writes `text` to stdout. A closed pipe (`preload status | head`) is not an
/// error: the reader has what it wanted, so the process exits quietly with 0.
/// Any other failure (a full disk, `> /dev/full`) is: the result never
/// reached its reader, so the command must not look successful; the caller
/// passes the error up and `main` exits 2 with one message.
pub fn stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(anyhow::Error::new(e).context("cannot write to stdout")),
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
    path.map(|p| {
        csv::Writer::from_path(p)
            .with_context(|| format!("creating {}", preload_schema::name::escaped(p)))
    })
    .transpose()
}
