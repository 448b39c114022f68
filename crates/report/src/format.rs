//! Number and text formatting shared by tables, charts and file names.

use bytesize::ByteSize;
use preload_schema::RunContext;

/// A count and its noun, plural when it is not one: `1 file`, `2 files`,
/// `0 buckets`. Nouns whose plural is not noun + s are not passed here.
pub fn count(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Bytes in binary units: `1.5 GiB`.
pub(crate) fn bytes(n: u64) -> String {
    ByteSize(n).display().iec().to_string()
}

/// A throughput with a precision that suits its size: `0.52`, `12.3`, `1234`.
pub(crate) fn mib_s(v: f64) -> String {
    significant(v, 2)
}

/// Seconds with three significant-ish digits: `0.123`, `1.23`, `12.3`, `123`.
pub(crate) fn seconds(v: f64) -> String {
    significant(v, 3)
}

/// `v` with about three significant digits but at most `most` decimals;
/// `-` when it is not a number.
fn significant(v: f64, most: usize) -> String {
    if !v.is_finite() {
        return "-".to_owned();
    }
    let a = v.abs();
    let decimals = if a >= 100.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        3
    };
    format!("{:.*}", decimals.min(most), v)
}

/// `host: 16 CPUs, 62.5 GiB memory, kernel 6.1.0`, without `host: ` when
/// the host is not to be named.
pub(crate) fn machine(c: &RunContext, with_host: bool) -> String {
    let host = if with_host {
        format!("{}: ", c.host)
    } else {
        String::new()
    };
    format!(
        "{host}{} CPUs, {} memory, kernel {}",
        c.cpus,
        bytes(c.memory_bytes),
        c.kernel
    )
}

/// `ext4 at /data (from /dev/nvme0n1p2)`.
pub(crate) fn filesystem(c: &RunContext) -> String {
    let fs = &c.filesystem;
    let mut s = format!("{} at {}", or_dash(&fs.fs_type), or_dash(&fs.mount_point));
    if !fs.source.is_empty() {
        s.push_str(&format!(" (from {})", fs.source));
    }
    s
}

/// The text, or `-` when it is empty.
pub(crate) fn or_dash(s: &str) -> &str {
    if s.is_empty() { "-" } else { s }
}

/// A file-name-safe slug of a label: `fuse.mfs /mnt/mfs` -> `fuse-mfs-mnt-mfs`.
pub(crate) fn slug(label: &str) -> String {
    let mut out = String::new();
    for c in label.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    // At most 40 characters, cut between words, never inside one.
    if out.len() > 40 {
        let cut = out[..=40].rfind('-').unwrap_or(40);
        out.truncate(cut);
    }
    if out.is_empty() {
        "result".to_owned()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_file_name_safe() {
        assert_eq!(slug("fuse.mfs /mnt/mfs"), "fuse-mfs-mnt-mfs");
        assert_eq!(slug("ext4 /"), "ext4");
        assert_eq!(slug("///"), "result");
        let long = slug("fuse.glusterfs /srv/cluster/target/realfs/glusterfs/mnt");
        assert_eq!(long, "fuse-glusterfs-srv-cluster-target-realfs");
    }

    #[test]
    fn numbers_keep_a_sensible_precision() {
        assert_eq!(mib_s(1234.4), "1234");
        assert_eq!(mib_s(12.34), "12.3");
        assert_eq!(mib_s(0.5), "0.50");
        assert_eq!(seconds(0.1234), "0.123");
        assert_eq!(seconds(1.234), "1.23");
        assert_eq!(mib_s(1.234), "1.23");
        assert_eq!(seconds(123.4), "123");
        assert_eq!(seconds(-12.34), "-12.3");
        assert_eq!(
            (mib_s(f64::NAN), seconds(f64::INFINITY)),
            ("-".into(), "-".into())
        );
        assert_eq!(bytes(3 * 1024 * 1024 * 1024), "3.0 GiB");
    }
}
