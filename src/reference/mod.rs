//! The reference implementation of a packer and a runtime: `pack` (a directory or file into a
//! conformant OCI image layout), `push` (a layout into a registry), and `unpack` (an artifact
//! from a layout or a registry into a directory, atomically and safely).
//!
//! It is a *target* of the suite, not part of it: the suite judges what it writes with the
//! same checks as any other tool's output (`verify` is `check` as a gate).
//!
//! - `blobs`: a content-addressed blob store that hashes while it writes.
//! - `plan`: which file becomes which layer, with which media type.
//! - `pack`: the layers, config, manifest and `index.json`, in one pass per file.
//! - `unpack`: every layer written at its path, each digest checked, nothing outside the
//!   destination.
//! - `destination`: the directory unpack writes, idempotent: the same manifest twice is one
//!   write; anything else there is replaced atomically.
//! - `push`: a layout's manifest and blobs, streamed into a registry.

pub(crate) mod attach;
pub(crate) mod blobs;
mod destination;
pub(crate) mod pack;
pub(crate) mod plan;
pub(crate) mod push;
pub(crate) mod unpack;

pub(crate) use pack::PackOptions;
pub(crate) use pack::pack;
pub use unpack::{UnpackError, UnpackOptions, unpack};
