//! The conformance report: one data model ([`model`]) and one writer per format.
//!
//! Writers only translate the [`ConformanceReport`] the engine produced; none of them decides a
//! verdict.

pub mod badge;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod model;

#[cfg(test)]
pub(crate) mod sample;

pub use model::*;
