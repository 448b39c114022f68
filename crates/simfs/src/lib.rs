//! preload-simfs (work in progress).
