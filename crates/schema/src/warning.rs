//! A warm's warnings: each one a sentence for the user and a kind for the
//! program, so a caller tells one warning from another without comparing text.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a [`Warning`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningKind {
    /// The planned bytes do not fit in the memory available for the page
    /// cache (said before reading, when it can still change the user's mind).
    Memory,
    /// The readers backed off because throughput collapsed.
    BackOff,
    /// Bytes that were read are not resident at the end (see `diagnoses`).
    Diagnosis,
    /// The residency of some bytes could not be measured on this mount.
    UnknownResidency,
    /// A mount option or setting of an input's filesystem slows reading.
    MountAdvice,
    /// `--join` was asked for but this warm could not coordinate with others.
    NotJoined,
    /// Read back from a JSON file, which records the sentence only.
    Recorded,
}

/// One warning of a warm. Written to JSON as its sentence alone (the
/// `warnings` field has been a list of strings since schema 1, and stays
/// one); read back, its kind is [`WarningKind::Recorded`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub struct Warning {
    /// What the warning is about.
    pub kind: WarningKind,
    /// The sentence printed on stderr and written to JSON.
    pub message: String,
}

impl Warning {
    /// A warning of `kind` that says `message`.
    pub fn new(kind: WarningKind, message: impl Into<String>) -> Self {
        Warning {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<Warning> for String {
    fn from(w: Warning) -> String {
        w.message
    }
}

impl From<String> for Warning {
    fn from(message: String) -> Warning {
        Warning::new(WarningKind::Recorded, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_warning_is_written_as_its_sentence_and_read_back_as_recorded() {
        let w = Warning::new(WarningKind::Memory, "too large");
        let json = serde_json::to_string(&vec![w]).unwrap();
        assert_eq!(json, r#"["too large"]"#);
        let back: Vec<Warning> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, vec![Warning::new(WarningKind::Recorded, "too large")]);
    }
}
