//! preload-compare (work in progress).
