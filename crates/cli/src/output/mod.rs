//! Everything printed: stdout results, stderr summaries, the progress bar.

pub mod bench_table;
pub mod progress;
pub mod result_file;
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

/// The one line an error is printed as: `preload: ` and the chain of
/// causes joined by `: `, each said once. A library error that puts its
/// source in its own message (thiserror's `"...: {source}"`) would else
/// print it twice ("No such file or directory (os error 2): No such file or
/// directory (os error 2)").
pub fn error_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.ends_with(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    format!("preload: {line}")
}

/// A usage error from clap in the same format as every other error: clap
/// starts its messages with `error: `, ours say `preload: `.
pub fn usage_error(err: &clap::Error) -> String {
    let text = err.render().to_string();
    match text.strip_prefix("error: ") {
        Some(rest) => format!("preload: {rest}"),
        None => text,
    }
}

/// Prints a warning on stderr in the house format.
pub fn warn(msg: &str) {
    diag!("preload: warning: {msg}");
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

#[cfg(test)]
mod tests {
    use super::*;

    /// As thiserror's `#[error("cannot read x: {source}")]` makes it.
    #[derive(Debug)]
    struct Repeats {
        source: std::io::Error,
    }
    impl std::fmt::Display for Repeats {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "cannot read x: {}", self.source)
        }
    }
    impl std::error::Error for Repeats {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.source)
        }
    }

    #[test]
    fn a_cause_already_in_the_message_is_said_once() {
        let io = std::io::Error::from_raw_os_error(2);
        let err = anyhow::Error::new(Repeats { source: io }).context("opening");
        assert_eq!(
            error_line(&err),
            "preload: opening: cannot read x: No such file or directory (os error 2)"
        );
    }
}
