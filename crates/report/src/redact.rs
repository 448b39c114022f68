//! `--redact`: what a published report leaves out. Absolute paths name the
//! machine (its directory layout, its user); their last two components are
//! what tells results apart.

/// `text` with every absolute path of three or more components shortened
/// to `…/` and its last two (`/srv/a/target/demo/mnt` -> `…/demo/mnt`);
/// `/`, `/dev/vda` and the rest of the text stay.
pub(crate) fn paths(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('/') {
        let starts_a_path = start == 0
            || rest[..start]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_whitespace() || matches!(c, ':' | '(' | '=' | '"' | '\''));
        let (before, from) = rest.split_at(start);
        out.push_str(before);
        let end = from
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | ',' | ';' | '"' | '\''))
            .unwrap_or(from.len());
        let (path, after) = from.split_at(end);
        if starts_a_path {
            out.push_str(&shorten(path));
        } else {
            out.push_str(path);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

fn shorten(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    if parts.len() < 3 {
        return path.to_owned();
    }
    format!("\u{2026}/{}", parts[parts.len() - 2..].join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_absolute_paths_keep_their_last_two_components() {
        assert_eq!(paths("/srv/lab/target/demo/mnt"), "\u{2026}/demo/mnt");
        assert_eq!(
            paths("simfs:/srv/lab/target/bench-data/sample-model"),
            "simfs:\u{2026}/bench-data/sample-model"
        );
        assert_eq!(
            paths("/a/b/c/mnt holds too little (96 MiB left)"),
            "\u{2026}/c/mnt holds too little (96 MiB left)"
        );
    }

    #[test]
    fn short_paths_and_other_slashes_stay() {
        assert_eq!(paths("/"), "/");
        assert_eq!(
            paths("ext4 at / (from /dev/vda)"),
            "ext4 at / (from /dev/vda)"
        );
        assert_eq!(paths("127.0.0.1:/gv0"), "127.0.0.1:/gv0");
        assert_eq!(paths("MiB/s and 1/2"), "MiB/s and 1/2");
    }
}
