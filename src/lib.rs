//! ai-interop: the reference conformance suite of the CNCF AI Manifest Contract.
//!
//! Imports run one way, down this order (lowest first; modules on one line are siblings and do
//! not import each other). `tests/layering.rs` holds the same order as data and fails on an
//! import that runs up it.
//!
//! ```text
//!  1 vocabulary                                        media types, annotation keys; imports nothing
//!  2 digest, model, input, output, names, tarball      primitives
//!  3 document, source, progress, spec, frontmatter, schemas
//!  4 trust, evidence                                   verification; evidence as plain facts
//!  5 artifact                                          the facts checks read
//!  6 targets, inspect                                  reach the bytes; stream layers into facts
//!  7 bundle
//!  8 image_index
//!  9 load                                              open a target, gather, discover evidence
//! 10 checks, report                                    mark facts; the report and its writers
//! 11 engine                                            run a profile's checks, fill the report
//! 12 fixtures, reference, suites                       the tools and the tool/registry suites
//! 13 selftest
//! 14 traceability, certify
//! 15 cli
//! ```
//!
//! - `spec` and the embedded `schemas` define what is required; `document` is a small JSON
//!   document kept as stored bytes plus its parse, with the `Limits` that bound hostile input.
//! - `targets` reach the bytes or the tool: an OCI image layout (`targets::layout`), a registry
//!   (`targets::registry`), an adapter (`targets::adapter`). Through the one
//!   [`source::BlobSource`] interface, `inspect`, `bundle` and `image_index` gather an
//!   [`artifact::Artifact`] of plain facts by streaming; `evidence` holds what refers to it.
//! - `load` composes them: `load::open` names a layout or registry target and loads its
//!   artifact, `load::discover` finds its evidence.
//! - `checks` turn an artifact's facts into per-requirement marks; the `engine` runs the checks
//!   a profile needs (judging agent bundle members first), rolls the marks up and fills the
//!   common report, whose model and writers are `report` (so `report` sits below `engine` in
//!   imports, though reports flow out of it).
//! - `suites` say what is required of a tool or a registry target and mark it (packer, runtime,
//!   transport, registry); `fixtures` generates the golden fixtures and the test-only trust
//!   material; `reference` is the reference packer and unpacker; `selftest` judges the fixtures;
//!   `traceability` ties requirements to checks and fixtures; `certify` signs conformance
//!   reports and verifies them (recomputing their verdicts).
//!
//! Test code (`#[cfg(test)]`) may import any layer. `tests/layering.rs` holds this order as
//! data and fails on an import that runs up it or across one layer.
//!
//! Visibility is `pub(crate)` by default. What is `pub` is what the binary (`src/main.rs`), the
//! integration tests (`tests/`) and the benches (`benches/`) use, and the types those items'
//! signatures name; a module nothing outside the crate uses is `pub(crate) mod` here.

pub mod artifact;
pub(crate) mod bundle;
pub mod certify;
pub mod checks;
pub mod cli;
pub mod digest;
pub mod document;
pub mod engine;
pub mod evidence;
pub mod fixtures;
pub(crate) mod frontmatter;
pub(crate) mod image_index;
pub(crate) mod input;
pub mod inspect;
pub mod load;
pub mod model;
pub(crate) mod names;
pub(crate) mod output;
pub(crate) mod progress;
pub mod reference;
pub mod report;
pub mod schemas;
pub mod selftest;
pub mod source;
pub mod spec;
pub mod suites;
pub(crate) mod tarball;
pub mod targets;
pub mod traceability;
pub mod trust;
pub mod vocabulary;
