//! Targets: how the suite reaches the bytes or the tool it judges: an OCI image layout
//! (`layout`), a registry (`registry`, the distribution client) and an adapter (`adapter`, the
//! packers, runtimes and transports driven over the adapter protocol). `open` names a layout or
//! registry target on the command line and loads its artifact; `redact` keeps credentials out
//! of every message the targets pass on. What is *required* of a target lives in
//! [`crate::suites`] and [`crate::checks`], never here.

pub mod adapter;
pub mod layout;
pub mod open;
pub mod redact;
pub mod registry;
