//! Waiting on the engine without holding the GIL, and without losing Ctrl-C.
//!
//! Python runs signal handlers only on the main thread, between bytecodes:
//! a thread blocked in Rust for the length of a warm would make Ctrl-C
//! wait for the warm. So the work runs on its own thread and the caller
//! waits on a channel in slices of [`POLL`], with the GIL released during
//! each slice, and calls `PyErr_CheckSignals` in between.

use crossbeam_channel::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use preload_core::CancelToken;
use pyo3::prelude::*;

/// How often a waiting caller checks for signals: well inside the 200 ms
/// a Ctrl-C may take to stop a warm.
pub const POLL: Duration = Duration::from_millis(20);

/// How long a cancelled run may take to hand back its partial result
/// before the exception is raised anyway (the engine returns within
/// milliseconds of a cancel; a walk or a probe may not).
const CANCEL_GRACE: Duration = Duration::from_millis(100);

/// Runs `work` on a new thread and waits for it. On a pending signal
/// (`KeyboardInterrupt` from Ctrl-C, or whatever a handler raised) cancels
/// `cancel`, waits at most [`CANCEL_GRACE`] for `work` to notice, and
/// raises. `tick` runs with the GIL every [`POLL`] (progress callbacks).
pub fn interruptible<T: Send + 'static>(
    py: Python<'_>,
    cancel: &CancelToken,
    work: impl FnOnce() -> T + Send + 'static,
    mut tick: impl FnMut(Python<'_>) -> PyResult<()>,
) -> PyResult<T> {
    let (tx, rx) = crossbeam_channel::bounded(1);
    std::thread::Builder::new()
        .name("preload-engine".into())
        .spawn(move || {
            // The receiver is gone only when the caller gave up on us.
            let _ = tx.send(work());
        })
        .map_err(|e| pyo3::exceptions::PyOSError::new_err(format!("cannot start a thread: {e}")))?;
    loop {
        match wait_slice(py, &rx, POLL) {
            // A last tick delivers what the final slice produced.
            Ok(v) => return tick(py).map(|()| v),
            Err(RecvTimeoutError::Disconnected) => {
                return Err(pyo3::exceptions::PyRuntimeError::new_err(
                    "the preload engine thread panicked",
                ));
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
        if let Err(e) = py.check_signals().and_then(|()| tick(py)) {
            cancel.cancel();
            let _ = wait_slice(py, &rx, CANCEL_GRACE);
            return Err(e);
        }
    }
}

/// Waits up to `timeout` for a value (`None`: forever), checking signals
/// every [`POLL`]; `Ok(None)` at the timeout. Does not cancel anything.
pub fn wait_for<T: Send>(
    py: Python<'_>,
    rx: &Receiver<T>,
    timeout: Option<Duration>,
) -> PyResult<Result<T, RecvTimeoutError>> {
    let deadline = timeout.map(|t| Instant::now() + t);
    loop {
        let slice = match deadline {
            Some(d) => POLL.min(d.saturating_duration_since(Instant::now())),
            None => POLL,
        };
        match wait_slice(py, rx, slice) {
            Err(RecvTimeoutError::Timeout) => {}
            other => return Ok(other),
        }
        py.check_signals()?;
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(Err(RecvTimeoutError::Timeout));
        }
    }
}

fn wait_slice<T: Send>(
    py: Python<'_>,
    rx: &Receiver<T>,
    slice: Duration,
) -> Result<T, RecvTimeoutError> {
    // crossbeam's Receiver is Sync, so a borrow of it may cross `detach`.
    py.detach(|| rx.recv_timeout(slice))
}
