//! Engine errors as the Python exceptions people catch, with the CLI's
//! messages (what `preload` prints after `preload: `).

use std::io::ErrorKind;

use preload_core::CoreError;
use preload_tune::TuneError;
use pyo3::exceptions::{
    PyException, PyFileNotFoundError, PyKeyboardInterrupt, PyOSError, PyPermissionError,
    PyValueError,
};
use pyo3::prelude::*;

pyo3::create_exception!(
    _native,
    PreloadError,
    PyException,
    "Base class of preload's own errors."
);
pyo3::create_exception!(
    _native,
    TooLargeError,
    PreloadError,
    "The files add up to more than `max_bytes`, or than the memory available for \
     the page cache (`max_bytes=\"available\"`): nothing was read."
);
pyo3::create_exception!(
    _native,
    NothingSelectedError,
    PreloadError,
    "The inputs hold no regular file, or the filters left none (`allow_empty=True` accepts it)."
);
pyo3::create_exception!(
    _native,
    TuneFailed,
    PreloadError,
    "A tune that measured nothing (no data to sample, no throughput)."
);

/// A [`CoreError`] as a Python exception.
pub fn core(err: CoreError) -> PyErr {
    let message = err.to_string();
    match err {
        CoreError::NotFound { .. } => os_error(PyFileNotFoundError::new_err(message), libc::ENOENT),
        CoreError::Io { source, .. } => {
            let errno = source.raw_os_error().unwrap_or(0);
            let e = match source.kind() {
                ErrorKind::NotFound => PyFileNotFoundError::new_err(message),
                ErrorKind::PermissionDenied => PyPermissionError::new_err(message),
                _ => PyOSError::new_err(message),
            };
            os_error(e, errno)
        }
        CoreError::TooLarge { .. } => TooLargeError::new_err(message),
        CoreError::Glob { .. } | CoreError::Config(_) => PyValueError::new_err(message),
        // Only a cancel token stops a walk; warm() turns Ctrl-C into KeyboardInterrupt.
        CoreError::Cancelled => PyKeyboardInterrupt::new_err(message),
    }
}

/// A [`TuneError`] as a Python exception (`Cancelled` is handled by the caller).
pub fn tune(err: TuneError) -> PyErr {
    match err {
        TuneError::Core(e) => core(e),
        other => TuneFailed::new_err(other.to_string()),
    }
}

/// `errno` on an `OSError`, while `str(e)` stays the CLI's message (the
/// message holds the path). Not `filename`: with it set, `OSError.__str__`
/// becomes `[Errno 2] None: '/x'`.
fn os_error(err: PyErr, errno: i32) -> PyErr {
    Python::attach(|py| {
        // A plain writable slot of OSError.
        let _ = err.value(py).setattr("errno", errno);
    });
    err
}
