//! Gather [`Artifact`] facts by streaming every blob once.
//!
//! The manifest is already in hand; [`collect`] reads the config and every layer through a
//! [`BlobSource`], on a small pool of scoped threads, and records what the bytes are. It never
//! decides requirement outcomes: that is the job of [`crate::checks`].

mod layer;
mod tar;
mod tar_guard;

use crate::artifact::{Artifact, BlobFacts, BlobProblem, ConfigFacts, LayerFacts, LayoutFacts};
use crate::digest::{Digest, Hasher, HashingReader};
use crate::document::{Document, Limits};
use crate::source::{BlobError, BlobSource};
use serde_json::Value;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

pub(crate) use layer::packing_of;
pub(crate) use tar_guard::ExtensionGuard;

use crate::vocabulary::{
    FILEPATH, LEGACY_FILEPATH, PROMPT_TEMPLATE_LAYER, SKILL_BUNDLE_PREFIX, WORKFLOW_DOCUMENT_LAYER,
};

/// A captured file is kept up to this many bytes.
pub(crate) const MAX_CAPTURE_FILE_BYTES: usize = 1 << 20;
/// At most this many bytes are captured per layer, whatever the number of files.
pub(crate) const MAX_CAPTURE_LAYER_BYTES: usize = 4 << 20;
/// At most this many entry paths are kept per layer.
pub(crate) const MAX_PATHS: usize = 100_000;

/// What a layer's content is kept for beyond its facts: a fixed rule by media type, so that
/// every target is inspected the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Capture {
    /// Keep every tar entry's path (bounded by [`MAX_PATHS`]).
    pub paths: bool,
    /// Capture `SKILL.md` / `skill.md` directly below the archive's top-level directory.
    pub skill_md: bool,
    /// Capture a raw layer's bytes (bounded by [`MAX_CAPTURE_FILE_BYTES`]).
    pub raw: bool,
}

/// The capture rule: skill bundles keep their paths and `<dir>/SKILL.md` (or `skill.md`);
/// prompt template and workflow document layers are captured whole; nothing else is kept.
pub(crate) fn capture_rule(media_type: &str) -> Capture {
    if media_type.starts_with(SKILL_BUNDLE_PREFIX) {
        Capture {
            paths: true,
            skill_md: true,
            raw: false,
        }
    } else if media_type == PROMPT_TEMPLATE_LAYER || media_type == WORKFLOW_DOCUMENT_LAYER {
        Capture {
            raw: true,
            ..Capture::default()
        }
    } else {
        Capture::default()
    }
}

/// Whether a tar entry (in normal form) is a skill's instruction file: `<dir>/SKILL.md` or
/// `<dir>/skill.md`.
pub(crate) fn is_skill_md(path: &str) -> bool {
    matches!(path.split('/').collect::<Vec<_>>().as_slice(), [d, "SKILL.md" | "skill.md"] if !d.is_empty())
}

/// What to do beyond hashing.
#[derive(Debug, Clone)]
pub struct InspectOptions {
    /// Decompress layers and inspect tar archives. When false, layers are hashed only and
    /// `ContentFacts::skipped` says why.
    pub content: bool,
}

impl Default for InspectOptions {
    fn default() -> Self {
        InspectOptions { content: true }
    }
}

/// Sees every stored byte of a layer as the inspector reads it, so another consumer (the
/// reference runtime writing the layer out) shares the inspector's one read of the blob.
pub(crate) trait LayerTap: Sync {
    /// Wrap the reader of layer `index` (described by `descriptor`); the inspector reads the
    /// blob through what this returns, to its end unless the blob cannot be read.
    fn tap<'a>(
        &'a self,
        index: usize,
        descriptor: &Value,
        blob: Box<dyn std::io::Read + Send + 'a>,
    ) -> Box<dyn std::io::Read + Send + 'a>;
}

/// Stream the config and layers that `manifest` names and return every fact about them.
pub fn collect(
    source: &dyn BlobSource,
    target: String,
    layout: Option<LayoutFacts>,
    manifest: Document,
    limits: &Limits,
    options: &InspectOptions,
) -> Artifact {
    collect_tapped(source, target, layout, manifest, limits, options, None)
}

/// [`collect`], every layer read through `tap` when given (the manifest's own layers only:
/// an index's or a bundle's members are collected untapped).
pub(crate) fn collect_tapped(
    source: &dyn BlobSource,
    target: String,
    layout: Option<LayoutFacts>,
    manifest: Document,
    limits: &Limits,
    options: &InspectOptions,
    tap: Option<&dyn LayerTap>,
) -> Artifact {
    let json = manifest.json.as_ref().ok().and_then(Value::as_object);
    let config_desc = json.and_then(|m| m.get("config")).filter(|c| c.is_object());
    let layer_descs: &[Value] = json
        .and_then(|m| m.get("layers"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);

    // Job 0 is the config (when there is one); job i+1 is layer i.
    enum Out {
        Config(ConfigFacts),
        Layer(LayerFacts),
    }
    let jobs = layer_descs.len() + 1;
    let results: Mutex<Vec<Option<Out>>> = Mutex::new((0..jobs).map(|_| None).collect());
    let next = AtomicUsize::new(0);
    let work = || {
        loop {
            let job = next.fetch_add(1, Ordering::Relaxed);
            if job >= jobs {
                break;
            }
            let out = if job == 0 {
                match config_desc {
                    Some(d) => Out::Config(config_facts(source, d, limits)),
                    None => continue,
                }
            } else {
                let i = job - 1;
                Out::Layer(layer::inspect(
                    source,
                    i,
                    &layer_descs[i],
                    limits,
                    options,
                    tap,
                ))
            };
            if let Ok(mut r) = results.lock() {
                r[job] = Some(out);
            }
        }
    };
    let threads = worker_count(limits.threads, jobs);
    if threads <= 1 {
        work();
    } else {
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(work);
            }
        });
    }

    let mut config = None;
    let mut layers = Vec::with_capacity(layer_descs.len());
    let results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    for (job, out) in results.into_iter().enumerate() {
        match out {
            Some(Out::Config(c)) => config = Some(c),
            Some(Out::Layer(l)) => layers.push(l),
            // A worker that panicked left its slot empty; report the layer as unreadable
            // rather than dropping it, so indexes keep matching the manifest.
            None if job > 0 => layers.push(LayerFacts {
                index: job - 1,
                blob: Err(BlobProblem::Io("internal error while inspecting".into())),
                content: Default::default(),
            }),
            None => {}
        }
    }
    Artifact {
        target,
        layout,
        manifest_digest: manifest.sha256.clone(),
        manifest,
        config,
        layers,
        bundle: None,
        evidence: None,
        index: None,
    }
}

fn worker_count(configured: usize, jobs: usize) -> usize {
    let n = if configured == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        configured
    };
    n.clamp(1, jobs.max(1))
}

/// The digest a descriptor names, usable for locating and verifying a blob.
pub(crate) fn descriptor_digest(descriptor: &Value) -> Result<Digest, BlobProblem> {
    let s = match descriptor.get("digest") {
        None => {
            return Err(BlobProblem::Unaddressable(
                "descriptor has no digest".into(),
            ));
        }
        Some(Value::String(s)) => s,
        Some(_) => {
            return Err(BlobProblem::Unaddressable(
                "descriptor digest is not a string".into(),
            ));
        }
    };
    Digest::parse(s).map_err(|e| BlobProblem::Unaddressable(e.to_string()))
}

pub(crate) fn blob_problem(e: BlobError) -> BlobProblem {
    match e {
        BlobError::NotFound(_) => BlobProblem::Missing,
        BlobError::Io { message, .. } => BlobProblem::Io(message),
        e @ BlobError::OutsideLayout { .. } => BlobProblem::OutsideLayout(e.to_string()),
    }
}

fn config_facts(source: &dyn BlobSource, descriptor: &Value, limits: &Limits) -> ConfigFacts {
    let unreadable = |p| ConfigFacts {
        blob: Err(p),
        document: None,
    };
    let digest = match descriptor_digest(descriptor) {
        Ok(d) => d,
        Err(p) => return unreadable(p),
    };
    let size = descriptor.get("size").and_then(Value::as_u64);
    let reader = match crate::source::open_described(source, &digest, size) {
        Ok(r) => r,
        Err(e) => return unreadable(blob_problem(e)),
    };
    let Some(hasher) = Hasher::new(digest.algorithm()) else {
        return unreadable(BlobProblem::Unaddressable("unregistered algorithm".into()));
    };
    let mut hashing = HashingReader::new(reader, hasher);
    match Document::from_reader(&mut hashing, limits) {
        Ok(document) => {
            let (digest, size) = hashing.finish();
            ConfigFacts {
                blob: Ok(BlobFacts { digest, size }),
                document: Some(document),
            }
        }
        Err(e) => unreadable(BlobProblem::Io(e.to_string())),
    }
}
