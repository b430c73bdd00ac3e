//! ai-interop: the reference conformance suite of the CNCF AI Manifest Contract.
//!
//! Data flows one way:
//!
//! ```text
//! spec → schemas → targets (layout, registry, adapter) → suites/checks → engine → report
//! ```
//!
//! - `spec` and the embedded `schemas` define what is required.
//! - `targets` reach the bytes or the tool: an OCI image layout (`targets::layout`), a registry
//!   (`targets::registry`), an adapter (`targets::adapter`); `targets::open` names a layout or
//!   registry target and loads it. Through the one [`source::BlobSource`] interface they yield an
//!   [`artifact::Artifact`] of plain facts gathered by streaming (`inspect`, `image_index`,
//!   `bundle`, `evidence`), using only the low modules (`vocabulary`, `digest`, `model`,
//!   `frontmatter`, `trust`).
//! - `checks` turn an artifact's facts into per-requirement marks; `suites` say what is required
//!   of a tool or a registry target and mark it (packer, runtime, transport, registry).
//! - The `engine` runs the checks a profile needs (judging agent bundle members first), rolls
//!   the marks up and assembles the common report; `report` writes it in every format.
//!
//! No module imports one to its right: targets and facts never import `checks`, `suites` or
//! `engine`; `checks` never import `engine`.

pub mod artifact;
pub mod bundle;
pub mod certify;
pub mod checks;
pub mod cli;
pub mod digest;
pub mod document;
pub mod engine;
pub mod evidence;
pub mod fixtures;
pub mod frontmatter;
pub mod image_index;
pub mod input;
pub mod inspect;
pub mod load;
pub mod model;
pub mod names;
pub mod output;
pub(crate) mod progress;
pub mod reference;
pub mod report;
pub mod schemas;
pub mod selftest;
pub mod source;
pub mod spec;
pub mod suites;
pub mod tarball;
pub mod targets;
pub mod traceability;
pub mod trust;
pub mod vocabulary;
