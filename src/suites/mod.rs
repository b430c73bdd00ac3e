//! Suites: what is required of one kind of tool target (packer, runtime, transport), each run
//! through the adapter target and written as the common report.

pub mod files;
pub mod matrix;
pub mod packer;
pub mod report;
pub mod runtime;
pub mod tool;
pub mod transport;
