//! The confirmed and unconfirmed services of ISO 9506-2, one module per service family
//! (§10 VMD support, §11 domain management, §12 program invocation, §14 variable access,
//! §15 semaphores, §16 operator communication, §17–§19 event management, §20 journals,
//! Annex D files).
pub mod domain;
pub mod event;
pub mod file;
pub mod journal;
pub mod operator;
pub mod program;
pub mod semaphore;
pub mod variables;
pub mod vmd;
