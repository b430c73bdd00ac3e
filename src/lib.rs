//! ai-interop: the reference conformance suite of the CNCF AI Manifest Contract.
//!
//! Data flows one way: the normative text (`spec`) and the embedded `schemas` define what is
//! required; a target (`layout`, later `registry` and adapters) yields an [`artifact::Artifact`]
//! of plain facts gathered by streaming (`inspect`); `checks` turn facts into per-requirement
//! outcomes; the `engine` rolls them up; `report` writes them in every format.

pub mod artifact;
pub mod bundle;
pub mod certify;
pub mod checks;
pub mod cli;
pub mod digest;
pub mod engine;
pub mod evidence;
pub mod fixtures;
pub mod frontmatter;
pub mod image_index;
pub mod input;
pub mod inspect;
pub mod media_types;
pub mod model;
pub mod reference;
pub mod report;
pub mod schemas;
pub mod selftest;
pub mod source;
pub mod spec;
pub mod suites;
pub mod targets;
pub mod traceability;
pub mod trust;
