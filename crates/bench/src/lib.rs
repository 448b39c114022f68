//! preload-bench (work in progress).
