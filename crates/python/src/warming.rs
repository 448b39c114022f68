//! `Warming`: a warm on a background thread, beside the caller's loader.
//!
//! The walk and plan happen in the constructor (a missing path raises at
//! the `with` line); the reading goes on a thread of its own, in loader
//! order by default, while Python loads the model. The Python class
//! `preload.Warming` wraps this one.

use std::sync::PoisonError;
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, TryRecvError};
use preload_core::{CancelToken, Progress};
use preload_schema::WarmSummary;
use preload_tune::Beside;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::options::WarmOptions;
use crate::wait::wait_for;
use crate::warm::{SharedProgress, json, progress_dict};

/// A background warm. Not shared between Python threads (`unsendable`
/// would refuse that loudly; the Python wrapper holds it).
#[pyclass(module = "preload._native")]
pub struct Warming {
    cancel: CancelToken,
    progress: SharedProgress,
    rx: Receiver<WarmSummary>,
    summary: Option<String>,
    bytes_total: u64,
    files_total: u64,
}

#[pymethods]
impl Warming {
    /// Walks and plans the options' `paths` (the options as
    /// [`WarmOptions::from_dict`] reads them), then reads on a thread.
    #[new]
    fn new(py: Python<'_>, options: &Bound<'_, PyDict>) -> PyResult<Self> {
        let opts = WarmOptions::from_dict(options)?;
        // Beside the loader: the front schedule, in smaller chunks.
        let (warmer, cancel, progress) = opts.watched_warmer(Beside::Loader);
        let (mut warmer, prepared) = py.detach(move || {
            let prepared = opts.prepare(&warmer);
            (warmer, prepared)
        });
        let prepared = prepared.map_err(|e| e.into_py())?;
        let bytes_total = prepared.plan.bytes();
        let files_total = prepared.plan.files.len() as u64;
        let (tx, rx) = crossbeam_channel::bounded(1);
        std::thread::Builder::new()
            .name("preload-warming".into())
            .spawn(move || {
                let summary = warmer.read(prepared);
                let _ = tx.send(summary);
            })
            .map_err(|e| PyRuntimeError::new_err(format!("cannot start a thread: {e}")))?;
        Ok(Warming {
            cancel,
            progress,
            rx,
            summary: None,
            bytes_total,
            files_total,
        })
    }

    /// Waits for the warm to end (at most `timeout` seconds); the JSON of
    /// its summary, or None at the timeout. Ctrl-C raises here and leaves
    /// the warm running (the `with` block's exit cancels it).
    #[pyo3(signature = (timeout=None))]
    fn wait(&mut self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<String>> {
        if self.summary.is_none() {
            let timeout = timeout
                .map(|t| {
                    Duration::try_from_secs_f64(t.max(0.0))
                        .map_err(|_| PyValueError::new_err("timeout must be a finite number"))
                })
                .transpose()?;
            match wait_for(py, &self.rx, timeout)? {
                Ok(s) => self.summary = Some(json(&s)),
                Err(RecvTimeoutError::Timeout) => return Ok(None),
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(PyRuntimeError::new_err("the warming thread panicked"));
                }
            }
        }
        Ok(self.summary.clone())
    }

    /// Asks the readers to stop; `wait()` then returns at once with a
    /// summary marked `interrupted`.
    fn cancel(&self) {
        self.cancel.cancel();
    }

    /// True once the warm ended (read everything, failed, or was cancelled).
    fn done(&mut self) -> bool {
        if self.summary.is_none() {
            match self.rx.try_recv() {
                Ok(s) => self.summary = Some(json(&s)),
                Err(TryRecvError::Empty) => return false,
                Err(TryRecvError::Disconnected) => return true,
            }
        }
        true
    }

    /// The latest progress as a dict (see `warm.rs::progress_dict`).
    fn progress<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let p =
            (*self.progress.lock().unwrap_or_else(PoisonError::into_inner)).unwrap_or(Progress {
                bytes_done: 0,
                bytes_total: self.bytes_total,
                files_done: 0,
                files_total: self.files_total,
                elapsed: Duration::ZERO,
                level: 0,
            });
        progress_dict(py, &p)
    }
}

impl std::fmt::Debug for Warming {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Warming")
            .field("bytes_total", &self.bytes_total)
            .field("files_total", &self.files_total)
            .field("finished", &self.summary.is_some())
            .finish_non_exhaustive()
    }
}

impl Drop for Warming {
    /// A handle dropped without `cancel()` (garbage collected) still stops
    /// its readers: nothing else could.
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}
