//! `status` and `evict` over whole inputs (files and directories), the
//! files measured or evicted in parallel ([`crate::par`]).

use std::path::PathBuf;

use preload_schema::{
    EvictReport, Failure, FileEviction, FileResidency, Residency, SCHEMA_VERSION, StatusReport,
};

use crate::CoreError;
use crate::pagecache::{evict, file_residency};
use crate::par;
use crate::walk::{Filter, walk};

/// Residency of every file under `inputs`.
pub fn status(inputs: &[PathBuf], filter: &Filter) -> Result<StatusReport, CoreError> {
    let walked = walk(inputs, filter)?;
    let mut report = StatusReport {
        kind: "status".into(),
        schema_version: SCHEMA_VERSION,
        files: Vec::with_capacity(walked.files.len()),
        total: Residency::default(),
        skipped: walked.skipped,
        failed: walked.failed,
    };
    let measured = par::map_all(&walked.files, |f| file_residency(&f.path));
    for (f, measured) in walked.files.iter().zip(measured) {
        match measured {
            Ok(r) => {
                add(&mut report.total, r);
                report.files.push(FileResidency::new(&f.path, r));
            }
            Err(e) => report.failed.push(Failure::new(&f.path, e.to_string())),
        }
    }
    Ok(report)
}

/// Evicts every file under `inputs` from the page cache.
pub fn evict_all(inputs: &[PathBuf], filter: &Filter) -> Result<EvictReport, CoreError> {
    let walked = walk(inputs, filter)?;
    let mut report = EvictReport {
        kind: "evict".into(),
        schema_version: SCHEMA_VERSION,
        files: Vec::with_capacity(walked.files.len()),
        before: Residency::default(),
        after: Residency::default(),
        skipped: walked.skipped,
        failed: walked.failed,
    };
    let evicted = par::map_all(&walked.files, |f| evict(&f.path));
    for (f, evicted) in walked.files.iter().zip(evicted) {
        match evicted {
            Ok((before, after)) => {
                add(&mut report.before, before);
                add(&mut report.after, after);
                report.files.push(FileEviction::new(&f.path, before, after));
            }
            Err(e) => report.failed.push(Failure::new(&f.path, e.to_string())),
        }
    }
    Ok(report)
}

fn add(total: &mut Residency, r: Residency) {
    *total = total.plus(r);
}
