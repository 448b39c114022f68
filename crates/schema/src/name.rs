//! File names as shown on a terminal and as kept in JSON.
//!
//! A Linux file name is any bytes but NUL and `/`: it may hold a newline, an
//! escape sequence or bytes that are not UTF-8. Printed raw, such a name
//! breaks line-based parsing of the output and can drive the terminal; made
//! into a Rust `String` it loses its invalid bytes (U+FFFD), so it can no
//! longer be mapped back to the file. Hence two forms:
//!
//! - on a terminal, [`escaped`]: control characters, backslashes and invalid
//!   bytes written as escapes, the way `ls -b` and ripgrep do (`\n`, `\r`,
//!   `\t`, `\\`, `\x1B`, `\xFF`), so every name is one line of printable text
//!   and distinct names stay distinct;
//! - in JSON, the display string in `path` plus, only when the name is not
//!   valid UTF-8, its exact bytes in base64 in `path_bytes` ([`path_bytes`]).

use std::borrow::Cow;
use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Displays bytes with control characters and invalid UTF-8 escaped; see the
/// module documentation. Made by [`escaped`] or [`escaped_bytes`].
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(&'a [u8]);

/// The one way a path is shown on a terminal: `new\nline`, `bad\xFF`.
pub fn escaped(path: &Path) -> Escaped<'_> {
    Escaped(path.as_os_str().as_bytes())
}

/// [`escaped`] for raw bytes (or a `str`'s bytes).
pub fn escaped_bytes(bytes: &[u8]) -> Escaped<'_> {
    Escaped(bytes)
}

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.0.utf8_chunks() {
            for c in chunk.valid().chars() {
                match c {
                    '\\' => f.write_str("\\\\")?,
                    '\n' => f.write_str("\\n")?,
                    '\r' => f.write_str("\\r")?,
                    '\t' => f.write_str("\\t")?,
                    // C0 controls and DEL: one byte each, shown as the byte.
                    c if c.is_ascii_control() => write!(f, "\\x{:02X}", c as u32)?,
                    // C1 controls (U+0080..U+009F; U+009B is a CSI on some
                    // terminals): valid UTF-8, so shown as the code point.
                    c if c.is_control() => write!(f, "\\u{{{:x}}}", c as u32)?,
                    c => fmt::Write::write_char(f, c)?,
                }
            }
            for b in chunk.invalid() {
                write!(f, "\\x{b:02X}")?;
            }
        }
        Ok(())
    }
}

/// The exact bytes of `path` in base64, only when they are not valid UTF-8
/// (then the display string loses them); None otherwise.
pub fn path_bytes(path: &Path) -> Option<String> {
    let bytes = path.as_os_str().as_bytes();
    std::str::from_utf8(bytes)
        .is_err()
        .then(|| STANDARD.encode(bytes))
}

/// The display string kept in a result's `path` field.
pub fn display_string(path: &Path) -> String {
    path.display().to_string()
}

/// The exact bytes of a name from its `path` and optional `path_bytes`
/// fields (the `path` string's bytes when `path_bytes` is absent or not
/// valid base64).
pub fn raw_bytes<'a>(path: &'a str, path_bytes: Option<&str>) -> Cow<'a, [u8]> {
    match path_bytes.and_then(|b| STANDARD.decode(b).ok()) {
        Some(bytes) => Cow::Owned(bytes),
        None => Cow::Borrowed(path.as_bytes()),
    }
}

/// The path a result's `path` and `path_bytes` fields name, exactly.
pub fn raw_path(path: &str, path_bytes: Option<&str>) -> PathBuf {
    PathBuf::from(std::ffi::OsStr::from_bytes(&raw_bytes(path, path_bytes)))
}

/// The terminal form of a result's `path` and `path_bytes` fields.
pub fn shown(path: &str, path_bytes: Option<&str>) -> String {
    escaped_bytes(&raw_bytes(path, path_bytes)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    fn esc(bytes: &[u8]) -> String {
        escaped_bytes(bytes).to_string()
    }

    #[test]
    fn controls_backslashes_and_invalid_bytes_are_escaped() {
        assert_eq!(esc(b"plain name.bin"), "plain name.bin");
        assert_eq!(esc(b"new\nline"), "new\\nline");
        assert_eq!(esc(b"cr\rtab\t"), "cr\\rtab\\t");
        assert_eq!(esc(b"\x1b[31mred"), "\\x1B[31mred");
        assert_eq!(esc(b"back\\slash"), "back\\\\slash");
        assert_eq!(esc(b"latin1-\xe9\xff"), "latin1-\\xE9\\xFF");
        assert_eq!(esc(b"del\x7f"), "del\\x7F");
        assert_eq!(esc("csi\u{9b}".as_bytes()), "csi\\u{9b}");
        assert_eq!(esc("caf\u{e9} \u{1f600}".as_bytes()), "caf\u{e9} \u{1f600}");
    }

    #[test]
    fn escaping_keeps_distinct_names_distinct() {
        // A literal backslash-n and a newline must not print alike.
        assert_ne!(esc(b"a\\nb"), esc(b"a\nb"));
        assert_ne!(esc(b"a\\xFF"), esc(b"a\xff"));
    }

    #[test]
    fn path_bytes_only_for_names_that_are_not_utf8_and_round_trip() {
        assert_eq!(path_bytes(Path::new("ok\nname")), None);
        let raw: &[u8] = b"/d/latin1-\xe9\xff";
        let p = Path::new(OsStr::from_bytes(raw));
        let b64 = path_bytes(p).unwrap();
        let shown_string = display_string(p);
        assert!(shown_string.contains('\u{fffd}'));
        assert_eq!(raw_bytes(&shown_string, Some(&b64)).as_ref(), raw);
        assert_eq!(raw_path(&shown_string, Some(&b64)), p);
        assert_eq!(shown(&shown_string, Some(&b64)), "/d/latin1-\\xE9\\xFF");
        assert_eq!(raw_bytes("plain", None).as_ref(), b"plain");
    }
}
