//! The conformance report: one data model ([`model`]) and one writer per format.

pub mod model;

pub use model::*;
