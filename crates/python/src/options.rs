//! The arguments of `warm` / `warming`, checked and turned into a [`Warmer`].

use std::path::PathBuf;
use std::sync::{Arc, PoisonError};

use preload_core::walk::WalkOutcome;
use preload_core::{
    CancelToken, CoreError, Order, Prepared, ReadMethod, Warmer, human_bytes, memory_warning,
};
use preload_tune::{Beside, LevelRequest, Request};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::{self, NothingSelectedError, TooLargeError};
use crate::warm::SharedProgress;

/// What the Python caller asked for, validated.
#[derive(Debug, Clone)]
pub struct WarmOptions {
    pub paths: Vec<PathBuf>,
    /// `"profile"` is [`LevelRequest::Unset`]: the saved level, else the default.
    pub parallelism: LevelRequest,
    /// None: the method the profile measured best, else `read`.
    pub method: Option<ReadMethod>,
    pub order: Order,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub max_bytes: MaxBytes,
    pub chunk_size: Option<u64>,
    pub skip_resident: bool,
    /// Keep a file a reader has to itself open across its chunks
    /// (`--keep-open`).
    pub keep_open: bool,
    /// Join another warm of the same paths on this node ([`preload_core::join`]).
    pub join: bool,
    pub allow_empty: bool,
}

#[derive(Debug, Clone, Copy)]
pub enum MaxBytes {
    None,
    Limit(u64),
    /// Refuse when the files do not fit in the memory available for the page cache.
    Available,
}

/// Why a warm could not start, before the GIL is taken back to raise it.
#[derive(Debug)]
pub enum StartError {
    Core(CoreError),
    Empty(String),
    TooLarge(String),
}

impl StartError {
    pub fn into_py(self) -> PyErr {
        match self {
            StartError::Core(e) => errors::core(e),
            StartError::Empty(m) => NothingSelectedError::new_err(m),
            StartError::TooLarge(m) => TooLargeError::new_err(m),
        }
    }
}

impl WarmOptions {
    /// The options `preload.warm` and `preload.warming` pass as one dict
    /// (`_options` in `python/preload/__init__.py`), checked once for both.
    pub fn from_dict(d: &Bound<'_, PyDict>) -> PyResult<Self> {
        let get = |key: &str| {
            d.get_item(key)?
                .ok_or_else(|| PyTypeError::new_err(format!("missing option {key:?}")))
        };
        let paths: Vec<PathBuf> = get("paths")?.extract()?;
        if paths.is_empty() {
            return Err(PyValueError::new_err("no paths given"));
        }
        let parallelism = get("parallelism")?;
        let parallelism = if let Ok(n) = parallelism.extract::<usize>() {
            if n == 0 {
                return Err(PyValueError::new_err("parallelism must be at least 1"));
            }
            LevelRequest::Fixed(n)
        } else {
            match parallelism.extract::<String>()?.as_str() {
                "auto" => LevelRequest::Auto,
                "profile" => LevelRequest::Unset,
                other => {
                    return Err(PyValueError::new_err(format!(
                        "parallelism must be \"auto\", \"profile\" or a positive int, not {other:?}"
                    )));
                }
            }
        };
        let max_bytes = get("max_bytes")?;
        let max_bytes = if max_bytes.is_none() {
            MaxBytes::None
        } else if let Ok(n) = max_bytes.extract::<u64>() {
            MaxBytes::Limit(n)
        } else if max_bytes
            .extract::<String>()
            .is_ok_and(|s| s == "available")
        {
            MaxBytes::Available
        } else {
            return Err(PyValueError::new_err(
                "max_bytes must be None, a number of bytes or \"available\"",
            ));
        };
        let method: Option<String> = get("method")?.extract()?;
        let order: String = get("order")?.extract()?;
        Ok(WarmOptions {
            paths,
            parallelism,
            method: method
                .map(|m| m.parse().map_err(PyValueError::new_err))
                .transpose()?,
            order: order.parse().map_err(PyValueError::new_err)?,
            include: get("include")?.extract()?,
            exclude: get("exclude")?.extract()?,
            max_bytes,
            chunk_size: get("chunk_size")?.extract()?,
            skip_resident: get("skip_resident")?.extract()?,
            keep_open: get("keep_open")?.extract()?,
            join: get("join")?.extract()?,
            allow_empty: get("allow_empty")?.extract()?,
        })
    }

    /// The warmer, chosen by the CLI's one policy ([`preload_tune::choose`]:
    /// what the caller gave, then the profile, then the defaults of a
    /// whole warm or of one `beside` a loader), with where its parallelism
    /// came from set on it (the summary's `parallelism_source`).
    pub fn warmer(&self, beside: Beside) -> Warmer {
        let request = Request {
            level: self.parallelism,
            method: self.method,
            chunk_size: self.chunk_size,
            schedule: None,
        };
        // An unreadable profile store is no reason to fail a warm.
        let choice = preload_tune::choose(&self.paths[0], &request, beside);
        let mut w = Warmer::new(&self.paths)
            .include(self.include.clone())
            .exclude(self.exclude.clone())
            .method(choice.method)
            .chunk_size(choice.chunk_size)
            .scheduling(choice.schedule)
            .order(self.order)
            .skip_resident(self.skip_resident)
            .keep_open(self.keep_open)
            .controller(choice.controller)
            .parallelism_source(choice.source);
        if let MaxBytes::Limit(n) = self.max_bytes {
            w = w.max_bytes(Some(n));
        }
        if self.join {
            // Said in the summary (`joined`), not on the caller's stderr.
            w = w.join_node(|_| {});
        }
        w
    }

    /// [`WarmOptions::warmer`] with a fresh cancel token and a progress slot
    /// the engine's monitor fills every tick: what `warm` and `warming`
    /// both watch while the engine reads without the GIL.
    pub fn watched_warmer(&self, beside: Beside) -> (Warmer, CancelToken, SharedProgress) {
        let cancel = CancelToken::new();
        let progress: SharedProgress = Arc::default();
        let slot = Arc::clone(&progress);
        let warmer = self
            .warmer(beside)
            .cancel_token(cancel.clone())
            .on_progress(move |p| {
                *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(*p);
            });
        (warmer, cancel, progress)
    }

    /// Walks and plans (no reading); refuses an empty selection and, with
    /// `max_bytes="available"`, a tree that does not fit. Runs without the GIL.
    pub fn prepare(&self, warmer: &Warmer) -> Result<Prepared, StartError> {
        let prepared = warmer.prepare().map_err(StartError::Core)?;
        if prepared.plan.files.is_empty() && !self.allow_empty {
            return Err(StartError::Empty(nothing_selected(
                &self.paths,
                &prepared.walk,
            )));
        }
        if matches!(self.max_bytes, MaxBytes::Available)
            && let Some(w) = memory_warning(&prepared.memory)
        {
            return Err(StartError::TooLarge(format!(
                "refusing to read {}: {w}",
                human_bytes(prepared.memory.planned_bytes)
            )));
        }
        Ok(prepared)
    }
}

/// The CLI's message for an empty selection, with Python's argument names.
fn nothing_selected(paths: &[PathBuf], walk: &WalkOutcome) -> String {
    let names: Vec<String> = paths
        .iter()
        .take(3)
        .map(|p| preload_schema::name::escaped(p).to_string())
        .collect();
    let mut why = Vec::new();
    if walk.not_included > 0 {
        why.push(format!("{} matched no include glob", walk.not_included));
    }
    if walk.excluded > 0 {
        why.push(format!("{} matched exclude", walk.excluded));
    }
    if !walk.skipped.is_empty() {
        why.push(format!("{} skipped", walk.skipped.len()));
    }
    if !walk.failed.is_empty() {
        why.push(format!("{} could not be examined", walk.failed.len()));
    }
    if why.is_empty() {
        why.push("no regular files there".into());
    }
    format!(
        "no files selected under {} ({}); pass allow_empty=True to accept an empty selection",
        names.join(", "),
        why.join(", ")
    )
}
