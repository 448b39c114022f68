//! The progress bar: on stderr, only when stderr is a terminal.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use preload_core::Progress;

/// A progress bar over bytes, or a hidden one when stderr is not a terminal,
/// the user asked for quiet, or `TERM=dumb`.
pub fn bar(total_bytes: u64, total_files: u64, quiet: bool) -> ProgressBar {
    let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
    if quiet || dumb || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let color = std::env::var_os("NO_COLOR").is_none();
    let template = if color {
        "{spinner:.green} [{elapsed_precise}] [{wide_bar:.cyan/blue}] {bytes}/{total_bytes} ({binary_bytes_per_sec}, ETA {eta}) {msg}"
    } else {
        "[{elapsed_precise}] [{wide_bar}] {bytes}/{total_bytes} ({binary_bytes_per_sec}, ETA {eta}) {msg}"
    };
    let pb = ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::stderr());
    pb.set_style(
        ProgressStyle::with_template(template)
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb.set_message(format!("0/{total_files} files"));
    pb
}

/// Moves the bar to a progress snapshot.
pub fn update(pb: &ProgressBar, p: &Progress) {
    pb.set_position(p.bytes_done);
    pb.set_message(format!(
        "{}/{} files, P={}",
        p.files_done, p.files_total, p.level
    ));
}
