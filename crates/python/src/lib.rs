//! `preload._native`: the preload engine for Python.
//!
//! A thin layer over `preload-core` and `preload-tune`, the same engine as
//! the `preload` binary, never a wrapper around it. Results cross into
//! Python as the JSON of the schema types (`crates/schema`), so the Python
//! objects have exactly the fields of `preload warm --json`; the typed
//! classes live in `python/preload/_types.py`.
//!
//! Every call that reads runs on its own thread while the calling thread
//! waits with the GIL released and checks for signals every
//! [`wait::POLL`]: Ctrl-C cancels the engine and raises
//! `KeyboardInterrupt` ([`wait::interruptible`]).

use pyo3::prelude::*;

mod errors;
mod options;
mod tune;
mod wait;
mod warm;
mod warming;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("PreloadError", py.get_type::<errors::PreloadError>())?;
    m.add("TooLargeError", py.get_type::<errors::TooLargeError>())?;
    m.add(
        "NothingSelectedError",
        py.get_type::<errors::NothingSelectedError>(),
    )?;
    m.add("TuneError", py.get_type::<errors::TuneFailed>())?;
    m.add_function(wrap_pyfunction!(warm::warm, m)?)?;
    m.add_function(wrap_pyfunction!(warm::status, m)?)?;
    m.add_function(wrap_pyfunction!(warm::evict, m)?)?;
    m.add_function(wrap_pyfunction!(tune::tune, m)?)?;
    m.add_class::<warming::Warming>()?;
    m.add("DEFAULT_PARALLELISM", preload_core::DEFAULT_PARALLELISM)?;
    Ok(())
}
