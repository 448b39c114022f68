//! `tune`: how many readers the storage wants, as `preload tune` measures it.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use preload_core::CancelToken;
use preload_tune::{ProfileStore, TuneConfig, TuneError};
use pyo3::exceptions::{PyKeyboardInterrupt, PyValueError};
use pyo3::prelude::*;

use crate::errors;
use crate::wait::interruptible;
use crate::warm::json;

/// Tunes `path`; returns the JSON of the `TuneResult` and, when it was
/// saved as the filesystem's profile, where (`preload tune`'s rules: only a
/// saturated curve, confidence >= 0.7, a tree large enough). `on_probe`,
/// if given, gets the JSON of each probe as it finishes.
#[pyfunction]
#[pyo3(signature = (path, time_budget, byte_budget, max_level, method, save, on_probe=None))]
#[allow(clippy::too_many_arguments)]
pub fn tune(
    py: Python<'_>,
    path: PathBuf,
    time_budget: f64,
    byte_budget: Option<u64>,
    max_level: usize,
    method: &str,
    save: bool,
    on_probe: Option<Py<PyAny>>,
) -> PyResult<(String, Option<String>)> {
    let mut cfg = TuneConfig::new(&path);
    cfg.time_budget = Duration::try_from_secs_f64(time_budget)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| PyValueError::new_err("time_budget must be a positive number of seconds"))?;
    cfg.byte_budget = byte_budget;
    cfg.max_level = max_level.clamp(1, 1024);
    cfg.method = method.parse().map_err(PyValueError::new_err)?;
    let cancel = CancelToken::new();
    let probes: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = Arc::clone(&probes);
    let token = cancel.clone();
    let result = interruptible(
        py,
        &cancel,
        move || {
            preload_tune::tune(&cfg, &token, &mut |p| {
                seen.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(json(p));
            })
        },
        |py| {
            let new: Vec<String> =
                std::mem::take(&mut *probes.lock().unwrap_or_else(PoisonError::into_inner));
            if let Some(cb) = &on_probe {
                for p in new {
                    cb.call1(py, (p,))?;
                }
            }
            Ok(())
        },
    )?;
    let result = match result {
        Ok(r) => r,
        Err(TuneError::Cancelled) => {
            return Err(PyKeyboardInterrupt::new_err(
                "interrupted before any probe finished",
            ));
        }
        Err(e) => return Err(errors::tune(e)),
    };
    let mut saved = None;
    if save && !result.interrupted && result.recommendation.profile_worthy {
        let store = ProfileStore::default_location();
        store
            .save(&result)
            .map_err(|e| errors::PreloadError::new_err(e.to_string()))?;
        saved = Some(store.path().to_string_lossy().into_owned());
    }
    Ok((json(&result), saved))
}
