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
    let template = template(terminal_width().unwrap_or(80), color);
    let pb = ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::stderr());
    pb.set_style(
        ProgressStyle::with_template(&template)
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb.set_message(format!("0/{}", preload_report::count(total_files, "file")));
    pb
}

/// The bar's layout for a terminal `width` columns wide: everything on a
/// wide one; on a narrow one the elapsed time, spinner and file count go
/// first, so the bar keeps at least 10 columns and the line never
/// wraps (a wrapped line is redrawn as a new line at every tick).
fn template(width: u16, color: bool) -> String {
    let bar = if color {
        "{wide_bar:.cyan/blue}"
    } else {
        "{wide_bar}"
    };
    let spinner = if color { "{spinner:.green} " } else { "" };
    if width >= 110 {
        format!(
            "{spinner}[{{elapsed_precise}}] [{bar}] {{bytes}}/{{total_bytes}} ({{binary_bytes_per_sec}}, ETA {{eta}}) {{msg}}"
        )
    } else if width >= 60 {
        format!("[{bar}] {{bytes}}/{{total_bytes}} {{binary_bytes_per_sec}} ETA {{eta}}")
    } else {
        format!("[{bar}] {{percent}}%")
    }
}

/// Erases the bar's line when exiting without the bar's own clean-up (a
/// second Ctrl-C exits at once), so the shell prompt starts on a clean line.
pub fn clear_line() {
    if std::io::stderr().is_terminal() {
        diag_part!("\r\x1b[2K");
    }
}

/// Columns of the terminal on stderr, None when it is not one.
fn terminal_width() -> Option<u16> {
    // SAFETY: all-zero bytes are a valid `winsize`; TIOCGWINSZ only writes it.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: fd 2 is ours to query, and `ws` is a live local.
    let r = unsafe { libc::ioctl(2, libc::TIOCGWINSZ, &mut ws) };
    (r == 0 && ws.ws_col > 0).then_some(ws.ws_col)
}

/// Moves the bar to a progress snapshot.
pub fn update(pb: &ProgressBar, p: &Progress) {
    pb.set_position(p.bytes_done);
    pb.set_message(format!(
        "{}/{}, P={}",
        p.files_done,
        preload_report::count(p.files_total, "file"),
        p.level
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fewest columns the bar itself keeps.
    const MIN_BAR: usize = 10;

    /// The template with its fields at their widest plausible text.
    fn widest_line_without_bar(template: &str) -> usize {
        let mut line = template.to_owned();
        for (field, text) in [
            ("{spinner:.green}", "-"),
            ("{elapsed_precise}", "00:00:00"),
            ("{bytes}", "1023.9 GiB"),
            ("{total_bytes}", "1023.9 GiB"),
            ("{binary_bytes_per_sec}", "1023.9 MiB/s"),
            ("{eta}", "59m"),
            ("{percent}", "100"),
            ("{msg}", "12345/12345 files, P=1024"),
            ("{wide_bar:.cyan/blue}", ""),
            ("{wide_bar}", ""),
        ] {
            line = line.replace(field, text);
        }
        line.chars().count()
    }

    #[test]
    fn the_bar_keeps_columns_at_every_width_from_40() {
        for width in 40..=200u16 {
            for color in [true, false] {
                let t = template(width, color);
                let rest = widest_line_without_bar(&t);
                assert!(
                    rest + MIN_BAR <= width as usize,
                    "at {width} columns: {rest} columns of text leave the bar under {MIN_BAR}: {t}"
                );
            }
        }
    }
}
