//! What the runtimes do to their sockets beyond moving bytes (feature `runtime`): TCP options
//! that the sans-IO layers have no business knowing.
pub mod keepalive;

pub use keepalive::KeepAlive;
