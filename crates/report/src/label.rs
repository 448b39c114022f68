//! Names of results in a report: the default label of a result, labels made
//! unique, the order of the report (stable across argument order), and text
//! shortened to fit.

use std::path::{Component, Path, PathBuf};

use preload_schema::ResultFile;

use crate::ReportInput;

/// The default label of a result: its filesystem's short name and its
/// dataset's name, e.g. `ext4 realfs-model`, `mfs realfs-model`,
/// `glusterfs model`. Never a path: reports are shared, and paths are long
/// and name the machine.
pub fn short_name(result: &ResultFile) -> String {
    let c = result.context();
    let fs = filesystem_name(&c.filesystem.fs_type, &c.filesystem.source);
    let dataset = match result {
        ResultFile::Tune(t) => &t.dataset.path,
        ResultFile::Bench(b) => &b.dataset.path,
    };
    let data = Path::new(dataset)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match (fs.is_empty(), data.is_empty()) {
        (false, false) => format!("{fs} {data}"),
        (false, true) => fs,
        (true, false) => data,
        (true, true) => "result".to_owned(),
    }
}

/// `fuse.glusterfs` -> `glusterfs`; a plain `fuse` mount is named by its
/// source's scheme (`mfs#127.0.0.1:9421` -> `mfs`, `simfs:/dev/shm/x` ->
/// `simfs`); others by their type (`ext4`).
fn filesystem_name(fs_type: &str, source: &str) -> String {
    if let Some(sub) = fs_type.strip_prefix("fuse.") {
        return sub.to_owned();
    }
    if fs_type == "fuse" {
        let scheme: String = source
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        let has_scheme = source[scheme.len()..].starts_with(['#', ':']);
        if !scheme.is_empty() && has_scheme {
            return scheme;
        }
    }
    fs_type.to_owned()
}

/// The order of a report: tunes, then benches, each sorted by label, then
/// by file name; so chart names and pages do not depend on the order of the
/// arguments.
pub(crate) fn report_order(inputs: &[ReportInput]) -> Vec<&ReportInput> {
    let mut ordered: Vec<&ReportInput> = inputs.iter().collect();
    ordered.sort_by(|a, b| {
        let key = |i: &ReportInput| {
            (
                matches!(i.result, ResultFile::Bench(_)),
                i.label.clone(),
                i.source.file_name().map(|n| n.to_os_string()),
                i.source.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    ordered
}

/// The labels of `inputs` (in report order), with ` (file name)` added
/// where two results of the same kind share one, then numbered if still
/// equal, so legends and chart names tell them apart.
pub(crate) fn unique_labels(inputs: &[&ReportInput]) -> Vec<String> {
    let same_kind = |a: &ReportInput, b: &ReportInput| {
        std::mem::discriminant(&a.result) == std::mem::discriminant(&b.result)
    };
    let mut labels: Vec<String> = inputs
        .iter()
        .map(|input| {
            let twins = inputs
                .iter()
                .filter(|o| o.label == input.label && same_kind(o, input))
                .count();
            if twins > 1 {
                let name = input.source.file_name().map_or_else(
                    || input.source.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                format!("{} ({name})", input.label)
            } else {
                input.label.clone()
            }
        })
        .collect();
    for i in 0..labels.len() {
        let twins = (0..labels.len())
            .filter(|&j| labels[j] == labels[i] && same_kind(inputs[i], inputs[j]))
            .count();
        if twins > 1 {
            labels[i] = format!("{} #{}", labels[i], i + 1);
        }
    }
    labels
}

/// `text` cut to at most `max` characters by an ellipsis in the middle,
/// which keeps both the start and the distinguishing end.
pub(crate) fn middle_ellipsis(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max || max < 3 {
        return text.to_owned();
    }
    let keep = max - 1;
    let head = keep.div_ceil(2);
    let tail = keep - head;
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(n - tail).collect();
    format!("{}\u{2026}{}", start.trim_end(), end.trim_start())
}

/// `path` as seen from `dir` (the report's directory), so links and names in
/// the report hold wherever the report is moved with its results; the file
/// name alone when the two share nothing (another machine's absolute path).
pub(crate) fn relative_to(path: &Path, dir: &Path) -> String {
    let absolute = |p: &Path| {
        std::path::absolute(p)
            .map(|p| normalize(&p))
            .unwrap_or_else(|_| p.to_owned())
    };
    let (path_abs, dir_abs) = (absolute(path), absolute(dir));
    match pathdiff::diff_paths(&path_abs, &dir_abs) {
        Some(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
        _ => path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
    }
}

/// `a/./b/../c` -> `a/c`, without touching the file system.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filesystems_are_named_by_their_short_name() {
        assert_eq!(filesystem_name("ext4", "/dev/vda"), "ext4");
        assert_eq!(filesystem_name("fuse.glusterfs", "x:/gv0"), "glusterfs");
        assert_eq!(filesystem_name("fuse", "mfs#127.0.0.1:9421"), "mfs");
        assert_eq!(filesystem_name("fuse", "simfs:/dev/shm/back"), "simfs");
        assert_eq!(filesystem_name("fuse", "/dev/fuse"), "fuse");
    }

    #[test]
    fn middle_ellipsis_keeps_both_ends() {
        assert_eq!(middle_ellipsis("short", 10), "short");
        let cut = middle_ellipsis("Throughput vs parallelism: glusterfs realfs-model", 30);
        assert!(cut.chars().count() <= 30, "{cut}");
        assert!(
            cut.starts_with("Throughput") && cut.ends_with("model"),
            "{cut}"
        );
        assert!(cut.contains('\u{2026}'), "{cut}");
    }

    #[test]
    fn paths_are_relative_to_the_report() {
        assert_eq!(
            relative_to(Path::new("/r/results/a.json"), Path::new("/r")),
            "results/a.json"
        );
        assert_eq!(
            relative_to(Path::new("/x/a.json"), Path::new("/r/out")),
            "../../x/a.json"
        );
        assert_eq!(
            relative_to(Path::new("/r/./results/../a.json"), Path::new("/r")),
            "a.json"
        );
    }
}
