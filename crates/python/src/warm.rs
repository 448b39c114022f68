//! `warm`, `status` and `evict`: foreground calls, interruptible.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use preload_core::walk::Filter;
use preload_core::{CancelToken, Progress, residency};
use preload_tune::Beside;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors;
use crate::options::{StartError, WarmOptions};
use crate::wait::interruptible;

/// The latest progress snapshot, written by the engine's monitor thread.
pub type SharedProgress = Arc<Mutex<Option<Progress>>>;

/// Reads everything under the options' `paths` into the page cache (the
/// options as [`WarmOptions::from_dict`] reads them); returns the JSON of
/// the `WarmSummary`. `progress`, if given, is called with a dict (see
/// [`progress_dict`]) from the calling thread whenever the engine moved on.
#[pyfunction]
#[pyo3(signature = (options, progress=None))]
pub fn warm(
    py: Python<'_>,
    options: &Bound<'_, PyDict>,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    let opts = WarmOptions::from_dict(options)?;
    let (mut warmer, cancel, shared) = opts.watched_warmer(Beside::Nothing);
    let mut last: Option<Progress> = None;
    let result = interruptible(
        py,
        &cancel,
        move || -> Result<_, StartError> {
            let prepared = opts.prepare(&warmer)?;
            Ok(warmer.read(prepared))
        },
        |py| {
            let Some(cb) = &progress else { return Ok(()) };
            let now = *shared.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(p) = now.filter(|p| Some(*p) != last) {
                last = Some(p);
                cb.call1(py, (progress_dict(py, &p)?,))?;
            }
            Ok(())
        },
    )?;
    let summary = result.map_err(StartError::into_py)?;
    Ok(json(&summary))
}

/// The files `status` and `evict` work on: the paths and the include and
/// exclude globs, passed as one tuple by `preload._selection`.
#[derive(FromPyObject)]
pub struct Selection(Vec<PathBuf>, Vec<String>, Vec<String>);

/// Residency of every selected file: the JSON of a `StatusReport`.
#[pyfunction]
pub fn status(py: Python<'_>, selection: Selection) -> PyResult<String> {
    over_files(py, selection, residency::status)
}

/// Drops every selected file from the page cache: the JSON of an `EvictReport`.
#[pyfunction]
pub fn evict(py: Python<'_>, selection: Selection) -> PyResult<String> {
    over_files(py, selection, residency::evict_all)
}

/// Runs `job` on the selected files, off the GIL and interruptible by
/// Ctrl-C, and returns its report as JSON: what status and evict share.
fn over_files<T, F>(py: Python<'_>, selection: Selection, job: F) -> PyResult<String>
where
    T: serde::Serialize + Send + 'static,
    F: FnOnce(&[PathBuf], &Filter) -> Result<T, preload_core::CoreError> + Send + 'static,
{
    let Selection(paths, include, exclude) = selection;
    let filter = Filter::new(&include, &exclude).map_err(errors::core)?;
    let cancel = CancelToken::new();
    let report = interruptible(py, &cancel, move || job(&paths, &filter), |_| Ok(()))?;
    Ok(json(&report.map_err(errors::core)?))
}

/// A progress snapshot as the dict `preload.Progress` is built from.
pub fn progress_dict<'py>(py: Python<'py>, p: &Progress) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("bytes_done", p.bytes_done)?;
    d.set_item("bytes_total", p.bytes_total)?;
    d.set_item("files_done", p.files_done)?;
    d.set_item("files_total", p.files_total)?;
    d.set_item("elapsed_s", p.elapsed.as_secs_f64())?;
    d.set_item("parallelism", p.level)?;
    Ok(d)
}

pub fn json<T: serde::Serialize>(value: &T) -> String {
    // The schema types are plain data: serializing them cannot fail.
    serde_json::to_string(value).expect("schema types serialize")
}
