//! Test support for talking to peers nobody here wrote.
#![forbid(unsafe_code)]
