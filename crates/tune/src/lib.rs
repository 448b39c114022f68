//! preload-tune (work in progress).
