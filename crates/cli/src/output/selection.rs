//! The message for an empty selection (exit 4): what was searched and what
//! left nothing, so a mistyped mount or glob is obvious.

use std::path::PathBuf;

use preload_core::walk::WalkOutcome;
use preload_schema::name::escaped;

use crate::output::summary::skip_counts;

/// Inputs named in the message before "and N more" (`--files-from` may
/// list thousands).
const NAMED_INPUTS: usize = 3;

/// `no files selected under DIR (3 files matched no --include glob); ...`.
pub fn nothing_selected(inputs: &[PathBuf], walk: &WalkOutcome) -> String {
    let mut names: Vec<String> = inputs
        .iter()
        .take(NAMED_INPUTS)
        .map(|p| escaped(p).to_string())
        .collect();
    if inputs.len() > NAMED_INPUTS {
        names.push(format!("and {} more", inputs.len() - NAMED_INPUTS));
    }
    let mut why = Vec::new();
    if walk.not_included > 0 {
        why.push(format!(
            "{} matched no --include glob",
            files(walk.not_included)
        ));
    }
    if walk.excluded > 0 {
        why.push(format!("{} matched --exclude", files(walk.excluded)));
    }
    if !walk.skipped.is_empty() {
        why.push(format!(
            "{} skipped: {}",
            walk.skipped.len(),
            skip_counts(&walk.skipped)
        ));
    }
    if !walk.failed.is_empty() {
        why.push(format!("{} could not be examined", walk.failed.len()));
    }
    if why.is_empty() {
        why.push("no regular files there".to_owned());
    }
    format!(
        "no files selected under {} ({}); pass --allow-empty to accept an empty selection",
        names.join(", "),
        why.join(", ")
    )
}

fn files(n: u64) -> String {
    if n == 1 {
        "1 file".to_owned()
    } else {
        format!("{n} files")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use preload_schema::Skip;
    use std::path::Path;

    #[test]
    fn says_what_was_searched_and_what_filtered_it_out() {
        let empty = WalkOutcome::default();
        assert_eq!(
            nothing_selected(&["/mnt/modles".into()], &empty),
            "no files selected under /mnt/modles (no regular files there); \
             pass --allow-empty to accept an empty selection"
        );
        let walk = WalkOutcome {
            not_included: 3,
            excluded: 1,
            skipped: vec![Skip::new(Path::new("/d/fifo"), "fifo")],
            ..WalkOutcome::default()
        };
        let inputs: Vec<PathBuf> = ["/a", "/b\nc", "/d", "/e", "/f"]
            .iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(
            nothing_selected(&inputs, &walk),
            "no files selected under /a, /b\\nc, /d, and 2 more (3 files matched no --include \
             glob, 1 file matched --exclude, 1 skipped: fifo x1); pass --allow-empty to accept \
             an empty selection"
        );
    }
}
