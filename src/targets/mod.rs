//! Targets: how the suite reaches the bytes or the tool it judges: an OCI image layout
//! (`layout`), a registry (`registry`, the distribution client) and an adapter (`adapter`, the
//! packers, runtimes and transports driven over the adapter protocol); `redact` keeps credentials
//! out of every message the targets pass on. Naming a target on the command line and loading
//! its artifact and evidence is [`crate::load`], above the targets. What is *required* of a
//! target lives in [`crate::suites`] and [`crate::checks`], never here.

pub mod adapter;
pub mod layout;
pub mod redact;
pub mod registry;
