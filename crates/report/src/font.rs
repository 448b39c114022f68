//! The chart font, embedded so that a machine without system fonts renders
//! the same text.
//!
//! DejaVu Sans (Bitstream Vera license, see `assets/DejaVuSans-LICENSE.txt`)
//! is registered with plotters' ab_glyph text backend under the family name
//! every chart uses.

use std::sync::OnceLock;

use plotters::style::{FontStyle, register_font};

use crate::ReportError;

/// Family name the charts ask for (the name plotters uses by default too).
pub(crate) const FAMILY: &str = "sans-serif";

static DEJAVU_SANS: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// Registers the embedded font once per process.
pub(crate) fn ensure_registered() -> Result<(), ReportError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok =
        *REGISTERED.get_or_init(|| register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS).is_ok());
    if ok { Ok(()) } else { Err(ReportError::Font) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_font_registers() {
        ensure_registered().expect("font");
        // A second call is a no-op that still succeeds.
        ensure_registered().expect("font again");
    }
}
