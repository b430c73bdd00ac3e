//! `ai-interop unpack`: every file of an artifact written at its path under a destination,
//! as a runtime's init container would.
//!
//! One pass per blob. The inspector that gathers the facts `check` judges reads each layer
//! once; [`Extraction`] taps that read ([`LayerTap`]) and hands the bytes, chunk by chunk, to
//! a writer thread per layer, which decompresses and writes them into a fresh temporary
//! directory next to the destination while the inspector hashes (the write overlaps the hash).
//! [`Extraction::finish`] then verifies every layer from the same pass (the blob digest and
//! size the inspector measured, the config's `diffIds` against the writer's uncompressed
//! digest) and puts the directory in place ([`Staging::commit`], see [`super::destination`]:
//! a destination that already holds the manifest's content is left as it is, one holding
//! anything else is replaced atomically); on any error, or when the gate refuses, the
//! temporary directory and the parents the unpack created are removed, so nothing is left
//! behind.
//!
//! Tar layers are read as hostile input: no absolute path, no `..`, no backslash or NUL, no
//! link that leaves the tree, no hard link to anything but an earlier file of the same layer,
//! no device or FIFO, no entry written through a symbolic link, no entry written twice, and the
//! size, ratio and entry limits of [`Limits`]. No layer is held in memory: at most
//! [`QUEUE`] chunks of a layer wait between the reader and its writer.

use super::destination::{self, Found};
use crate::artifact::Artifact;
use crate::digest::{Digest, Hasher};
use crate::document::{Document, Limits};
use crate::inspect::{InspectOptions, LayerTap, packing_of};
use crate::source::BlobSource;
use crate::vocabulary::{FILEPATH, IMAGE_TITLE, LEGACY_FILEPATH};
use serde_json::Value;
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{self, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, SyncSender, sync_channel};

const CHUNK: usize = super::blobs::CHUNK;
/// Chunks in flight between a layer's reader and its writer (the inspector reads 1 MiB at a
/// time, so a few MiB per layer).
const QUEUE: usize = 4;

pub use super::destination::UnpackError;

fn refused(m: impl Into<String>) -> UnpackError {
    UnpackError::Refused(m.into())
}

fn io_err(what: impl std::fmt::Display, e: impl std::fmt::Display) -> UnpackError {
    UnpackError::Io(format!("{what}: {e}"))
}

#[derive(Debug, Clone, Default)]
pub struct UnpackOptions {
    pub limits: Limits,
    /// The digest of `manifest`: recorded beside the destination, so that a second unpack of
    /// the same manifest finds it in place (see `destination`). `None`: always written.
    pub manifest_digest: Option<Digest>,
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct Unpacked {
    pub files: u64,
    pub bytes: u64,
    pub layers: usize,
    /// The destination already held exactly this manifest's content (verified): nothing was
    /// written.
    pub already_present: bool,
}

/// Unpack the image manifest `manifest` whose blobs `source` serves into `dest`: every blob
/// read once, hashed and written in one pass. A `dest` that already holds this manifest's
/// content (`opts.manifest_digest`, verified) is left as it is; one holding anything else is
/// replaced atomically.
pub fn unpack(
    source: &dyn BlobSource,
    manifest: &Value,
    dest: &Path,
    opts: &UnpackOptions,
) -> Result<Unpacked, UnpackError> {
    let Some(extraction) = Extraction::begin(dest, opts)? else {
        return Ok(Unpacked {
            already_present: true,
            ..Default::default()
        });
    };
    expect_layer_bytes(manifest);
    let doc =
        Document::from_bytes(serde_json::to_vec(manifest).map_err(|e| io_err("manifest", e))?);
    // Hash only: the writers decompress; the inspector need not do it a second time.
    let artifact = crate::inspect::collect_tapped(
        source,
        source.describe(),
        None,
        doc,
        &opts.limits,
        &InspectOptions { content: false },
        Some(extraction.tap()),
    );
    extraction.finish(&artifact)
}

/// Tell the progress display how many stored bytes `manifest`'s layers hold: the bytes the
/// [`LayerTap`] of an [`Extraction`] counts as the inspector reads them.
pub(crate) fn expect_layer_bytes(manifest: &Value) {
    crate::progress::expect_bytes(manifest.get("layers").and_then(Value::as_array).map_or(
        0,
        |layers| {
            layers
                .iter()
                .filter_map(|l| l.get("size").and_then(Value::as_u64))
                .sum()
        },
    ));
}

/// The destination of one unpack: what it holds (see [`super::destination`]), the temporary
/// directory next to it, the parents this unpack created, and the atomic step into place.
/// Dropped before [`commit`](Self::commit), the temporary directory and the created parents
/// are removed: a refused unpack leaves nothing behind, `…/a/b/` of a destination
/// `…/a/b/dest` included.
pub(crate) struct Staging {
    dest: PathBuf,
    tmp: PathBuf,
    record: PathBuf,
    found: Found,
    digest: Option<Digest>,
    created: Vec<PathBuf>,
    placed: bool,
}

impl Staging {
    /// Judge `dest` against the manifest `digest`: `None` when it already holds this
    /// manifest's content (verified, nothing to write); a non-empty directory without a record
    /// of an earlier unpack, or a non-directory, is [`UnpackError::Destination`]. Otherwise the
    /// temporary directory is created next to `dest`, and any missing parent with it.
    pub(crate) fn prepare(
        dest: &Path,
        digest: Option<&Digest>,
    ) -> Result<Option<Staging>, UnpackError> {
        let name = dest
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| UnpackError::Io(format!("{}: needs a final name", dest.display())))?;
        let parent = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let record = destination::record_path(&parent, name);
        let found = destination::inspect(dest, &record, digest)?;
        if found == Found::Current {
            return Ok(None);
        }
        let created = crate::output::create_dir_all_recorded(&parent)
            .map_err(|e| io_err(parent.display(), e))?;
        let tmp = parent.join(super::blobs::unique_name(&format!(".{name}.unpack-")));
        if let Err(e) = fs::create_dir(&tmp) {
            crate::output::remove_created(&created);
            return Err(io_err(tmp.display(), e));
        }
        Ok(Some(Staging {
            dest: dest.to_path_buf(),
            tmp,
            record,
            found,
            digest: digest.cloned(),
            created,
            placed: false,
        }))
    }

    /// The temporary directory every layer is written into.
    pub fn root(&self) -> &Path {
        &self.tmp
    }

    /// The atomic step ([`destination::commit`]): the complete tree renamed into place (or
    /// exchanged with what was there), then recorded for the manifest digest.
    pub(crate) fn commit(mut self, known: &destination::Known) -> Result<(), UnpackError> {
        let committed = destination::commit(
            &self.tmp,
            &self.dest,
            &self.record,
            self.found,
            self.digest.as_ref(),
            known,
        );
        self.placed = committed.is_ok();
        committed
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.placed {
            let _ = fs::remove_dir_all(&self.tmp);
            crate::output::remove_created(&self.created);
        }
    }
}

/// An unpack in progress: install [`tap`](Self::tap) on the inspector's read of the
/// artifact, then [`finish`](Self::finish) with the facts it gathered.
pub(crate) struct Extraction {
    staging: Staging,
    writers: Writers,
}

impl Extraction {
    /// Judge the destination against `opts.manifest_digest` and create the temporary
    /// directory next to it; `None` when the destination already holds this manifest's
    /// content (verified): nothing to write.
    pub fn begin(dest: &Path, opts: &UnpackOptions) -> Result<Option<Extraction>, UnpackError> {
        let Some(staging) = Staging::prepare(dest, opts.manifest_digest.as_ref())? else {
            return Ok(None);
        };
        let writers = Writers {
            root: staging.root().to_path_buf(),
            limits: opts.limits.clone(),
            outcomes: Mutex::new(Vec::new()),
        };
        Ok(Some(Extraction { staging, writers }))
    }

    /// What the inspector reads each layer through.
    pub(crate) fn tap(&self) -> &dyn LayerTap {
        &self.writers
    }

    /// Verify every layer of `artifact` (the facts of the pass that wrote it) and put the
    /// tree in place ([`Staging::commit`]); on any error nothing is left behind.
    pub fn finish(self, artifact: &Artifact) -> Result<Unpacked, UnpackError> {
        let manifest = artifact
            .manifest
            .json
            .as_ref()
            .map_err(|e| refused(format!("the manifest is not JSON: {e}")))?;
        if manifest.get("manifests").is_some() {
            return Err(refused(
                "an image index (agent bundle): unpack each member manifest by its digest",
            ));
        }
        let layers = manifest
            .get("layers")
            .and_then(Value::as_array)
            .ok_or_else(|| refused("the manifest has no layers array"))?;
        let diff_ids = diff_ids(artifact, manifest, layers.len())?;
        let mut outcomes = self
            .writers
            .outcomes
            .into_inner()
            .unwrap_or_else(|p| p.into_inner());
        outcomes.resize_with(layers.len(), || None);
        let mut total = Unpacked {
            layers: layers.len(),
            ..Default::default()
        };
        // The digests of the files written, from the same pass (a raw layer's file is its blob,
        // verified just below): the record beside the destination takes them instead of
        // reading those files again.
        let mut known = destination::Known::default();
        for (i, (layer, outcome)) in layers.iter().zip(outcomes).enumerate() {
            let at = |m: String| format!("layer {i}: {m}");
            let written =
                outcome.ok_or_else(|| refused(at("its blob could not be read".into())))??;
            let (digest, size) = descriptor_of(layer).map_err(|m| refused(at(m)))?;
            let facts = artifact
                .layers
                .iter()
                .find(|l| l.index == i)
                .and_then(|l| l.blob.as_ref().ok())
                .ok_or_else(|| refused(at("its blob could not be read".into())))?;
            if facts.size != size {
                return Err(refused(at(format!(
                    "the blob has {} bytes, the descriptor says {size}",
                    facts.size
                ))));
            }
            if facts.digest != digest {
                return Err(refused(at(format!(
                    "the blob hashes to {}, the descriptor says {digest}",
                    facts.digest
                ))));
            }
            if let Some(want) = diff_ids.as_ref().map(|d| &d[i]) {
                // Raw and plain tar layers: the content is the blob.
                let got = written.content.as_ref().unwrap_or(&facts.digest);
                if want != got {
                    return Err(refused(at(format!(
                        "the content hashes to {got}, the config's diffId says {want}"
                    ))));
                }
            }
            match &written.raw_file {
                Some(rel) => known.file(rel, &facts.digest, facts.size),
                None => {
                    for (rel, digest, size) in &written.file_digests {
                        known.file(rel, digest, *size);
                    }
                }
            }
            total.files += written.files;
            total.bytes += written.bytes;
        }
        self.staging.commit(&known)?;
        Ok(total)
    }
}

/// A layer descriptor's digest and size.
fn descriptor_of(layer: &Value) -> Result<(Digest, u64), String> {
    let digest = layer
        .get("digest")
        .and_then(Value::as_str)
        .and_then(|d| Digest::parse(d).ok())
        .ok_or("no usable digest")?;
    let size = layer.get("size").and_then(Value::as_u64).ok_or("no size")?;
    Ok((digest, size))
}

/// What one layer's writer did.
struct Written {
    files: u64,
    bytes: u64,
    /// sha256 of the uncompressed stream of a compressed tar layer.
    content: Option<Digest>,
    /// The file a raw layer became (relative to the root): its bytes are the blob's.
    raw_file: Option<PathBuf>,
    /// Every regular file (and hard link) a tar layer wrote, with the sha256 and size of the
    /// bytes written.
    file_digests: Vec<(PathBuf, Digest, u64)>,
}

/// The [`LayerTap`] of an [`Extraction`]: one writer thread per layer, its outcome by index.
struct Writers {
    root: PathBuf,
    limits: Limits,
    outcomes: Mutex<Vec<Option<Result<Written, UnpackError>>>>,
}

impl Writers {
    fn record(&self, index: usize, outcome: Result<Written, UnpackError>) {
        let mut all = self.outcomes.lock().unwrap_or_else(|p| p.into_inner());
        if all.len() <= index {
            all.resize_with(index + 1, || None);
        }
        all[index] = Some(outcome);
    }
}

/// How one layer is written.
enum Job {
    Raw {
        file: File,
        rel: PathBuf,
        path: String,
        size: u64,
    },
    Tar {
        packing: crate::artifact::Packing,
        size: u64,
    },
}

/// Decide how layer `i` is written, and for a raw layer create its file.
fn plan(root: &Path, i: usize, layer: &Value) -> Result<Job, UnpackError> {
    let at = |m: String| format!("layer {i}: {m}");
    let media_type = layer
        .get("mediaType")
        .and_then(Value::as_str)
        .ok_or_else(|| refused(at("no mediaType".into())))?;
    let (_, size) = descriptor_of(layer).map_err(|m| refused(at(m)))?;
    let annotation = |k: &str| {
        layer
            .get("annotations")
            .and_then(|a| a.get(k))
            .and_then(Value::as_str)
    };
    use crate::artifact::Packing as P;
    match packing_of(media_type) {
        P::Raw => {
            let path = annotation(FILEPATH)
                .or_else(|| annotation(LEGACY_FILEPATH))
                .or_else(|| annotation(IMAGE_TITLE))
                .ok_or_else(|| refused(at("a raw layer names no file path".into())))?;
            let rel = safe_relative(path).map_err(|m| refused(at(m)))?;
            let file = create_file(root, &rel).map_err(|e| e.at(&at(path.to_string())))?;
            Ok(Job::Raw {
                file,
                rel,
                path: at(path.to_string()),
                size,
            })
        }
        packing @ (P::Tar | P::TarGzip | P::TarZstd) => Ok(Job::Tar { packing, size }),
        P::Unknown => Err(refused(at(format!(
            "media type {media_type} is not one this runtime knows how to unpack"
        )))),
    }
}

impl Job {
    /// Write the layer from the chunks the reader hands over.
    fn run(
        self,
        chunks: Chunks,
        root: &Path,
        limits: &Limits,
        i: usize,
    ) -> Result<Written, UnpackError> {
        match self {
            // No fsync: the rename of the whole directory is the atomic step, and a torn file
            // after a power loss is not served as a verified one (the init container starts
            // over in a fresh emptyDir).
            Job::Raw {
                file,
                rel,
                path,
                size,
            } => {
                let mut file = crate::output::WriteBehind::new(file);
                let mut n = 0u64;
                let mut chunks = chunks;
                while let Some(chunk) = chunks.next_chunk() {
                    n += chunk.len() as u64;
                    if n > size {
                        return Err(refused(format!(
                            "{path}: more bytes than the declared {size}"
                        )));
                    }
                    file.write_all(&chunk).map_err(|e| io_err(&path, e))?;
                    chunks.give_back(chunk);
                }
                Ok(Written {
                    files: 1,
                    bytes: n,
                    content: None,
                    raw_file: Some(rel),
                    file_digests: Vec::new(),
                })
            }
            Job::Tar { packing, size } => {
                let mut stats = Unpacked::default();
                let mut reader = chunks;
                let mut file_digests = Vec::new();
                let content = extract_tar(
                    &mut reader,
                    packing,
                    size,
                    root,
                    limits,
                    &mut stats,
                    &mut file_digests,
                )
                .map_err(|e| e.at(&format!("layer {i}")))?;
                Ok(Written {
                    files: stats.files,
                    bytes: stats.bytes,
                    content,
                    raw_file: None,
                    file_digests,
                })
            }
        }
    }
}

impl LayerTap for Writers {
    fn tap<'a>(
        &'a self,
        index: usize,
        descriptor: &Value,
        blob: Box<dyn Read + Send + 'a>,
    ) -> Box<dyn Read + Send + 'a> {
        // The progress display counts the bytes of this one read (see `expect_layer_bytes`).
        let blob: Box<dyn Read + Send + 'a> = Box::new(crate::progress::Counted(blob));
        let job = match plan(&self.root, index, descriptor) {
            Ok(job) => job,
            Err(e) => {
                self.record(index, Err(e));
                return blob;
            }
        };
        let (tx, rx) = sync_channel::<Vec<u8>>(QUEUE);
        let (back_tx, back_rx) = std::sync::mpsc::channel::<Vec<u8>>();
        let (root, limits) = (self.root.clone(), self.limits.clone());
        let spawned = std::thread::Builder::new()
            .name(format!("unpack-layer-{index}"))
            .spawn(move || {
                let chunks = Chunks {
                    rx,
                    back: back_tx,
                    current: Vec::new(),
                    pos: 0,
                };
                job.run(chunks, &root, &limits, index)
            });
        match spawned {
            Ok(writer) => Box::new(Tee {
                inner: blob,
                tx: Some(tx),
                pool: back_rx,
                writer: Some(writer),
                ended: false,
                index,
                writers: self,
            }),
            Err(e) => {
                self.record(index, Err(io_err(format!("layer {index}"), e)));
                blob
            }
        }
    }
}

/// Passes the inspector's reads through and sends a copy of every chunk to the layer's
/// writer; when dropped, waits for the writer and records its outcome.
struct Tee<'a> {
    inner: Box<dyn Read + Send + 'a>,
    tx: Option<SyncSender<Vec<u8>>>,
    /// Buffers the writer is done with, reused so a layer allocates at most a few.
    pool: Receiver<Vec<u8>>,
    writer: Option<std::thread::JoinHandle<Result<Written, UnpackError>>>,
    /// The blob was read to its end.
    ended: bool,
    index: usize,
    writers: &'a Writers,
}

impl Read for Tee<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 {
            self.ended = true;
        } else if let Some(tx) = &self.tx {
            let mut chunk = self.pool.try_recv().unwrap_or_default();
            chunk.clear();
            chunk.extend_from_slice(&buf[..n]);
            if tx.send(chunk).is_err() {
                // The writer stopped (it refused the layer): pass the rest through unseen.
                self.tx = None;
            }
        }
        Ok(n)
    }
}

impl Drop for Tee<'_> {
    fn drop(&mut self) {
        self.tx = None;
        let outcome = match self.writer.take().map(|w| w.join()) {
            Some(Ok(Ok(_))) if !self.ended => Err(UnpackError::Io(format!(
                "layer {}: the blob was not read to its end",
                self.index
            ))),
            Some(Ok(r)) => r,
            Some(Err(_)) | None => Err(UnpackError::Io(format!(
                "layer {}: the writer stopped unexpectedly",
                self.index
            ))),
        };
        self.writers.record(self.index, outcome);
    }
}

/// The writer's side of a layer: chunks in the order read, ending when the reader is done.
struct Chunks {
    rx: Receiver<Vec<u8>>,
    back: Sender<Vec<u8>>,
    current: Vec<u8>,
    pos: usize,
}

impl Chunks {
    fn next_chunk(&mut self) -> Option<Vec<u8>> {
        self.rx.recv().ok()
    }
    fn give_back(&self, chunk: Vec<u8>) {
        let _ = self.back.send(chunk);
    }
}

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.current.len() {
            let Some(next) = self.next_chunk() else {
                return Ok(0);
            };
            let done = std::mem::replace(&mut self.current, next);
            self.give_back(done);
            self.pos = 0;
        }
        let n = buf.len().min(self.current.len() - self.pos);
        buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// A ModelPack config's `modelfs.diffIds`, when the manifest has a ModelPack config, from
/// the config the inspector read (its digest checked against the descriptor).
fn diff_ids(
    artifact: &Artifact,
    manifest: &Value,
    layers: usize,
) -> Result<Option<Vec<Digest>>, UnpackError> {
    let desc = manifest.get("config");
    let is_model = desc
        .and_then(|d| d.get("mediaType"))
        .and_then(Value::as_str)
        .is_some_and(|m| m.ends_with(".model.config.v1+json"));
    if !is_model {
        return Ok(None);
    }
    let digest = desc
        .and_then(|d| d.get("digest"))
        .and_then(Value::as_str)
        .and_then(|d| Digest::parse(d).ok())
        .ok_or_else(|| refused("the config descriptor has no usable digest"))?;
    let config = artifact
        .config
        .as_ref()
        .ok_or_else(|| refused("the config was not read"))?;
    let blob = config.blob.as_ref().map_err(|e| match e {
        crate::artifact::BlobProblem::Io(m) => UnpackError::Io(format!("config: {m}")),
        crate::artifact::BlobProblem::Missing => refused("config: the target holds no such blob"),
        crate::artifact::BlobProblem::Unaddressable(m)
        | crate::artifact::BlobProblem::OutsideLayout(m) => refused(format!("config: {m}")),
    })?;
    if blob.digest != digest {
        return Err(refused(format!(
            "the config hashes to {}, the descriptor says {digest}",
            blob.digest
        )));
    }
    let json = config
        .document
        .as_ref()
        .ok_or_else(|| refused("the config was not read"))?
        .json
        .as_ref()
        .map_err(|e| refused(format!("the config is not JSON: {e}")))?;
    let ids: Vec<Digest> = json
        .pointer("/modelfs/diffIds")
        .and_then(Value::as_array)
        .ok_or_else(|| refused("the config has no modelfs.diffIds"))?
        .iter()
        .map(|v| v.as_str().and_then(|s| Digest::parse(s).ok()))
        .collect::<Option<_>>()
        .ok_or_else(|| refused("a modelfs.diffIds entry is not a digest"))?;
    if ids.len() != layers {
        return Err(refused(format!(
            "the config lists {} diffIds for {layers} layers",
            ids.len()
        )));
    }
    Ok(Some(ids))
}

/// A path from an archive or an annotation as safe relative components: UTF-8, no
/// backslash or control character, not absolute, no `..`; `.` and empty components dropped.
pub(crate) fn safe_relative(path: &str) -> Result<PathBuf, String> {
    if path.contains('\\') || path.chars().any(char::is_control) {
        return Err(format!(
            "{path:?}: a backslash or control character in a path"
        ));
    }
    if path.starts_with('/') {
        return Err(format!("{path:?}: an absolute path"));
    }
    let mut out = PathBuf::new();
    for c in Path::new(path).components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            Component::ParentDir => return Err(format!("{path:?}: a `..` component")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!("{path:?}: an absolute path"));
            }
        }
    }
    if out.as_os_str().is_empty() {
        return Err(format!("{path:?}: names no file"));
    }
    // The bounds the checker judges by (LAY-011…013), so check and unpack agree.
    if let Some(bound) = crate::names::path_bound(path) {
        return Err(bound.to_string());
    }
    Ok(out)
}

/// A failure while writing one entry, before it is placed in a layer's context.
enum EntryError {
    Refused(String),
    Io(String),
}

impl EntryError {
    fn at(self, context: &str) -> UnpackError {
        match self {
            EntryError::Refused(m) => UnpackError::Refused(format!("{context}: {m}")),
            EntryError::Io(m) => UnpackError::Io(format!("{context}: {m}")),
        }
    }
}

impl From<io::Error> for EntryError {
    fn from(e: io::Error) -> Self {
        EntryError::Io(e.to_string())
    }
}

/// Create every missing directory of `rel`'s parent below `root`, refusing to pass through
/// anything that is not a real directory (a symbolic link from an earlier entry, a file).
fn make_parents(root: &Path, rel: &Path) -> Result<PathBuf, EntryError> {
    let mut at = root.to_path_buf();
    let parent = rel.parent().unwrap_or(Path::new(""));
    for c in parent.components() {
        at.push(c);
        match fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_dir() => {}
            Ok(_) => {
                return Err(EntryError::Refused(format!(
                    "{}: a path component is a link or a file, not a directory",
                    rel.display()
                )));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => match fs::create_dir(&at) {
                Ok(()) => {}
                // Another layer's worker made it a moment ago: fine if it is a directory.
                Err(e)
                    if e.kind() == io::ErrorKind::AlreadyExists
                        && fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_dir()) => {}
                Err(e) => return Err(e.into()),
            },
            Err(e) => return Err(e.into()),
        }
    }
    Ok(root.join(rel))
}

/// A new file at `rel` below `root`; an existing one is never overwritten.
fn create_file(root: &Path, rel: &Path) -> Result<File, EntryError> {
    let path = make_parents(root, rel)?;
    File::create_new(&path).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            EntryError::Refused(format!("{}: written twice", rel.display()))
        } else {
            e.into()
        }
    })
}

/// Which side of a copy failed: reading the artifact's bytes (the artifact is at fault when
/// the data is invalid) or writing the destination (the machine is).
enum CopyError {
    Read(io::Error),
    Write(io::Error),
}

impl CopyError {
    /// In a tar layer every read error means the layer is not what it claims (corrupt,
    /// truncated, a bomb, bytes that do not match).
    fn in_tar(self, what: &str) -> EntryError {
        match self {
            CopyError::Read(e) => EntryError::Refused(format!("{what}: {e}")),
            CopyError::Write(e) => EntryError::Io(format!("{what}: {e}")),
        }
    }
}

/// Copy at most `limit` bytes, hashing what is written; more is an error (the declared size is
/// a promise).
fn copy_limited(
    r: &mut dyn Read,
    w: &mut dyn Write,
    limit: u64,
    hasher: &mut Hasher,
) -> Result<u64, CopyError> {
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        let n = r.read(&mut buf).map_err(CopyError::Read)?;
        if n == 0 {
            return Ok(total);
        }
        total += n as u64;
        if total > limit {
            return Err(CopyError::Read(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("more bytes than the declared {limit}"),
            )));
        }
        hasher.update(&buf[..n]);
        w.write_all(&buf[..n]).map_err(CopyError::Write)?;
    }
}

/// Counts bytes read through it into a shared cell (the compressed side of a layer).
struct Counted<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Stops a decompressed stream at the size limit and at the ratio limit (LAY-008).
struct BombGuard<R> {
    inner: R,
    compressed: Rc<Cell<u64>>,
    out: u64,
    limits: Limits,
}

impl<R: Read> Read for BombGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out += n as u64;
        let ratio_cap = self
            .compressed
            .get()
            .saturating_mul(self.limits.max_ratio)
            .saturating_add(self.limits.ratio_slack_bytes);
        if self.out > self.limits.max_uncompressed_bytes || self.out > ratio_cap {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "decompression bomb: {} bytes from {} compressed (limits: {} bytes, ratio {})",
                    self.out,
                    self.compressed.get(),
                    self.limits.max_uncompressed_bytes,
                    self.limits.max_ratio
                ),
            ));
        }
        Ok(n)
    }
}

/// Extract one tar layer into `root`; returns the sha256 of the uncompressed stream. Every
/// regular file is hashed as it is written, into `digests` (for the record beside the
/// destination), and so is a hard link, by its target's digest.
fn extract_tar(
    blob: &mut dyn Read,
    packing: crate::artifact::Packing,
    size: u64,
    root: &Path,
    limits: &Limits,
    stats: &mut Unpacked,
    digests: &mut Vec<(PathBuf, Digest, u64)>,
) -> Result<Option<Digest>, EntryError> {
    use crate::artifact::Packing as P;
    let compressed = Rc::new(Cell::new(0u64));
    let counted = Counted {
        inner: io::Read::take(blob, size.saturating_add(1)),
        count: compressed.clone(),
    };
    let decoded: Box<dyn Read + '_> = match packing {
        P::TarGzip => Box::new(flate2::read::GzDecoder::new(BufReader::with_capacity(
            128 << 10,
            counted,
        ))),
        P::TarZstd => Box::new(
            zstd::stream::read::Decoder::new(counted)
                .map_err(|e| EntryError::Refused(format!("zstd: {e}")))?,
        ),
        _ => Box::new(counted),
    };
    let guarded = BombGuard {
        inner: decoded,
        compressed,
        out: 0,
        limits: limits.clone(),
    };
    // A plain tar layer's diffId is its blob digest, already being computed: hash once.
    let mut diff = MaybeHashing {
        inner: guarded,
        hasher: (packing != P::Tar).then(|| Hasher::new("sha256").expect("sha256 is registered")),
    };
    {
        let guard = crate::inspect::ExtensionGuard::new(&mut diff);
        let mut archive = tar::Archive::new(BufReader::with_capacity(256 << 10, guard));
        let entries = archive
            .entries()
            .map_err(|e| EntryError::Refused(format!("not a tar archive: {e}")))?;
        let mut seen: BTreeSet<PathBuf> = BTreeSet::new();
        // The regular files of this layer so far (what a hard link may name), with what was
        // written into them.
        let mut files: BTreeMap<PathBuf, (Digest, u64)> = BTreeMap::new();
        let mut count = 0u64;
        for entry in entries {
            let mut entry =
                entry.map_err(|e| EntryError::Refused(format!("the archive is corrupt: {e}")))?;
            count += 1;
            if count > limits.max_tar_entries {
                return Err(EntryError::Refused(format!(
                    "more than {} entries",
                    limits.max_tar_entries
                )));
            }
            let raw = entry.path_bytes().into_owned();
            let name = std::str::from_utf8(&raw)
                .map_err(|_| EntryError::Refused("an entry's path is not UTF-8".into()))?
                .to_string();
            let rel = safe_relative(name.trim_end_matches('/')).map_err(EntryError::Refused)?;
            if !seen.insert(rel.clone()) {
                return Err(EntryError::Refused(format!(
                    "{name}: two entries with this path"
                )));
            }
            let kind = entry.header().entry_type();
            match kind {
                tar::EntryType::Directory => {
                    let path = make_parents(root, &rel)?;
                    match fs::symlink_metadata(&path) {
                        Ok(m) if m.file_type().is_dir() => {}
                        Ok(_) => {
                            return Err(EntryError::Refused(format!(
                                "{name}: a directory over a file or link"
                            )));
                        }
                        Err(_) => match fs::create_dir(&path) {
                            Ok(()) => {}
                            Err(e)
                                if e.kind() == io::ErrorKind::AlreadyExists
                                    && fs::symlink_metadata(&path)
                                        .is_ok_and(|m| m.file_type().is_dir()) => {}
                            Err(e) => return Err(e.into()),
                        },
                    }
                }
                tar::EntryType::Regular | tar::EntryType::Continuous => {
                    let mut out = io::BufWriter::with_capacity(
                        CHUNK,
                        crate::output::WriteBehind::new(create_file(root, &rel)?),
                    );
                    let declared = entry.size();
                    let mut hasher = Hasher::new("sha256").expect("sha256 is registered");
                    let n = copy_limited(&mut entry, &mut out, declared, &mut hasher)
                        .map_err(|e| e.in_tar(&name))?;
                    out.flush()?;
                    stats.files += 1;
                    stats.bytes += n;
                    files.insert(rel, (hasher.finish(), n));
                }
                tar::EntryType::Symlink => {
                    let target = entry
                        .link_name_bytes()
                        .map(|b| b.into_owned())
                        .unwrap_or_default();
                    if let Some(bound) = crate::names::link_bound(&target) {
                        return Err(EntryError::Refused(format!("{name}: {bound}")));
                    }
                    let target = std::str::from_utf8(&target)
                        .map_err(|_| EntryError::Refused(format!("{name}: link target not UTF-8")))?
                        .to_string();
                    let from = rel.parent().unwrap_or(Path::new(""));
                    if !stays_inside(from, &target) {
                        return Err(EntryError::Refused(format!(
                            "{name}: the symbolic link to {target} leaves the destination"
                        )));
                    }
                    let path = make_parents(root, &rel)?;
                    std::os::unix::fs::symlink(&target, &path).map_err(|e| {
                        if e.kind() == io::ErrorKind::AlreadyExists {
                            EntryError::Refused(format!("{name}: written twice"))
                        } else {
                            e.into()
                        }
                    })?;
                }
                tar::EntryType::Link => {
                    let target = entry
                        .link_name_bytes()
                        .map(|b| b.into_owned())
                        .unwrap_or_default();
                    let target = std::str::from_utf8(&target).map_err(|_| {
                        EntryError::Refused(format!("{name}: link target not UTF-8"))
                    })?;
                    let target_rel = safe_relative(target).map_err(EntryError::Refused)?;
                    let Some(written) = files.get(&target_rel).cloned() else {
                        return Err(EntryError::Refused(format!(
                            "{name}: a hard link to {target}, which is not an earlier file of \
                             this layer"
                        )));
                    };
                    let path = make_parents(root, &rel)?;
                    fs::hard_link(root.join(&target_rel), &path)?;
                    files.insert(rel, written);
                }
                other => {
                    return Err(EntryError::Refused(format!(
                        "{name}: a {other:?} entry (devices, FIFOs and the like are never unpacked)"
                    )));
                }
            }
        }
        digests.extend(files.into_iter().map(|(rel, (d, n))| (rel, d, n)));
    }
    // The rest of the uncompressed stream (padding after the end blocks), for the diffId.
    io::copy(&mut diff, &mut io::sink())
        .map_err(|e| EntryError::Refused(format!("after the archive: {e}")))?;
    Ok(diff.hasher.map(Hasher::finish))
}

/// Hashes what passes through when it has a hasher.
struct MaybeHashing<R> {
    inner: R,
    hasher: Option<Hasher>,
}

impl<R: Read> Read for MaybeHashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// Whether a symbolic link at directory `from` (relative to the root) pointing at `target`
/// resolves inside the root.
fn stays_inside(from: &Path, target: &str) -> bool {
    if target.is_empty() || target.starts_with('/') || target.contains('\\') {
        return false;
    }
    let mut depth: i64 = from.components().count() as i64;
    for c in target.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => depth += 1,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_paths() {
        assert!(safe_relative("a/b.txt").is_ok());
        assert!(safe_relative("./a").is_ok());
        assert!(safe_relative("/etc/passwd").is_err());
        assert!(safe_relative("a/../../x").is_err());
        assert!(safe_relative("a\\b").is_err());
        assert!(safe_relative("").is_err());
        assert!(stays_inside(Path::new("code"), "inference.py"));
        assert!(stays_inside(Path::new("code"), "../README.md"));
        assert!(!stays_inside(Path::new("code"), "../../etc/passwd"));
        assert!(!stays_inside(Path::new(""), "/etc/passwd"));
    }
}
