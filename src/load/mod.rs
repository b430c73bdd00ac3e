//! Loading: the layer that composes the targets and the fact gatherers. [`open`] names a layout
//! or registry target on the command line, reaches its bytes through [`crate::targets`] and
//! gathers the [`crate::artifact::Artifact`] (`inspect`, `image_index`, `bundle`); [`discover`]
//! finds the evidence that refers to it (through the layout's `index.json` or the registry's
//! referrers) and fills [`crate::evidence::EvidenceFacts`].
//!
//! Targets only reach bytes and evidence only holds facts; neither imports this module.

pub mod discover;
pub mod open;
