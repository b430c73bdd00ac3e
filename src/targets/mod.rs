//! Targets: how the suite reaches the bytes or the tool it judges. The OCI image layout
//! (`crate::layout`) and the registry client (`crate::registry`) still live at the top level;
//! the adapter target (packers, runtimes, transports) starts this folder.

pub mod adapter;
