//! preload-report (work in progress).
