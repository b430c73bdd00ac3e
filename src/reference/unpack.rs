//! `ai-interop unpack`: every file of an artifact written at its path under a destination,
//! as a runtime's init container would.
//!
//! Everything is written into a fresh temporary directory next to the destination, which is
//! renamed into place only when every layer was written and every digest matched; on any
//! error the temporary directory is removed, so nothing is left behind. Tar layers are read
//! as hostile input: no absolute path, no `..`, no backslash or NUL, no link that leaves the
//! tree, no hard link to anything but an earlier file of the same layer, no device or FIFO,
//! no entry written through a symbolic link, no entry written twice, and the size, ratio and
//! entry limits of [`Limits`]. Blob digests and sizes, and the config's `diffIds`, are checked
//! on the bytes as they stream; no layer is held in memory.

use crate::artifact::Limits;
use crate::digest::{Digest, Hasher, HashingReader};
use crate::inspect::{FILEPATH, LEGACY_FILEPATH, packing_of};
use crate::source::BlobSource;
use serde_json::Value;
use std::cell::Cell;
use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

const CHUNK: usize = super::blobs::CHUNK;

/// Why an unpack stopped. `Refused`: the artifact is not safe or not what it says (exit 1);
/// `Io`: the machine could not do it (exit 3).
#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    #[error("refused: {0}")]
    Refused(String),
    #[error("{0}")]
    Io(String),
    /// The destination exists and is not an empty directory: the user's to fix (exit 2).
    #[error("{0}")]
    Destination(String),
}

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

/// Unpack the image manifest `manifest` whose blobs `source` serves into `dest`. A `dest` that
/// already holds this manifest's content (`opts.manifest_digest`, verified) is left as it is;
/// one holding anything else is replaced atomically.
pub fn unpack(
    source: &dyn BlobSource,
    manifest: &Value,
    dest: &Path,
    opts: &UnpackOptions,
) -> Result<Unpacked, UnpackError> {
    let name = dest
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| UnpackError::Io(format!("{}: needs a final name", dest.display())))?;
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let record = super::destination::record_path(&parent, name);
    let digest = opts.manifest_digest.as_ref();
    let found = super::destination::inspect(dest, &record, digest)?;
    if found == super::destination::Found::Current {
        return Ok(Unpacked {
            already_present: true,
            ..Default::default()
        });
    }
    // The parents this call creates are removed again when it fails: a refused unpack leaves
    // nothing behind, `…/a/b/` of a destination `…/a/b/dest` included.
    let created =
        crate::output::create_dir_all_recorded(&parent).map_err(|e| io_err(parent.display(), e))?;
    let tmp = parent.join(super::blobs::unique_name(&format!(".{name}.unpack-")));
    if let Err(e) = fs::create_dir(&tmp) {
        crate::output::remove_created(&created);
        return Err(io_err(tmp.display(), e));
    }
    let result = unpack_into(source, manifest, &tmp, opts).and_then(|stats| {
        super::destination::commit(&tmp, dest, &record, found, digest)?;
        Ok(stats)
    });
    if result.is_err() {
        let _ = fs::remove_dir_all(&tmp);
        crate::output::remove_created(&created);
    }
    result
}

/// Write every layer into `root` (an empty directory this process created).
fn unpack_into(
    source: &dyn BlobSource,
    manifest: &Value,
    root: &Path,
    opts: &UnpackOptions,
) -> Result<Unpacked, UnpackError> {
    if manifest.get("manifests").is_some() {
        return Err(refused(
            "an image index (agent bundle): unpack each member manifest by its digest",
        ));
    }
    let layers = manifest
        .get("layers")
        .and_then(Value::as_array)
        .ok_or_else(|| refused("the manifest has no layers array"))?;
    let diff_ids = diff_ids(source, manifest, layers.len(), &opts.limits)?;
    crate::cli::progress::expect_bytes(
        layers
            .iter()
            .filter_map(|l| l.get("size").and_then(Value::as_u64))
            .sum(),
    );
    // One worker per core, the largest layers first; the first error stops the others.
    let workers = match opts.limits.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(layers.len())
    .max(1);
    let mut order: Vec<usize> = (0..layers.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(layers[i].get("size").and_then(Value::as_u64)));
    let next = AtomicUsize::new(0);
    let outcome: Mutex<Result<Unpacked, UnpackError>> = Mutex::new(Ok(Unpacked {
        layers: layers.len(),
        ..Default::default()
    }));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&i) = order.get(n) else { break };
                    let mut stats = Unpacked::default();
                    let r = unpack_layer(
                        source,
                        i,
                        &layers[i],
                        diff_ids.as_ref().map(|d| &d[i]),
                        root,
                        &opts.limits,
                        &mut stats,
                    );
                    let mut all = outcome.lock().expect("no worker panics");
                    match (r, &mut *all) {
                        (Ok(()), Ok(total)) => {
                            total.files += stats.files;
                            total.bytes += stats.bytes;
                        }
                        (Err(e), Ok(_)) => {
                            *all = Err(e);
                            next.store(order.len(), Ordering::Relaxed);
                        }
                        (_, Err(_)) => {}
                    }
                }
            });
        }
    });
    outcome.into_inner().expect("no worker panics")
}

/// Write layer `i` into `root`, checking its blob digest and size and its diffId.
fn unpack_layer(
    source: &dyn BlobSource,
    i: usize,
    layer: &Value,
    diff_id: Option<&Digest>,
    root: &Path,
    limits: &Limits,
    stats: &mut Unpacked,
) -> Result<(), UnpackError> {
    {
        let at = |m: String| format!("layer {i}: {m}");
        let media_type = layer
            .get("mediaType")
            .and_then(Value::as_str)
            .ok_or_else(|| refused(at("no mediaType".into())))?;
        let digest = layer
            .get("digest")
            .and_then(Value::as_str)
            .and_then(|d| Digest::parse(d).ok())
            .ok_or_else(|| refused(at("no usable digest".into())))?;
        let size = layer
            .get("size")
            .and_then(Value::as_u64)
            .ok_or_else(|| refused(at("no size".into())))?;
        let annotation = |k: &str| {
            layer
                .pointer(&format!(
                    "/annotations/{}",
                    k.replace('~', "~0").replace('/', "~1")
                ))
                .and_then(Value::as_str)
        };
        let reader = source
            .open_blob(&digest)
            .map_err(|e| UnpackError::Io(at(e.to_string())))?;
        let reader = crate::cli::progress::Counted(reader);
        let hasher = Hasher::new(digest.algorithm())
            .ok_or_else(|| refused(at(format!("unsupported digest {digest}"))))?;
        let mut blob = HashingReader::new(reader, hasher);
        let packing = packing_of(media_type);
        let uncompressed = match packing {
            crate::artifact::Packing::Raw => {
                let path = annotation(FILEPATH)
                    .or_else(|| annotation(LEGACY_FILEPATH))
                    .or_else(|| annotation("org.opencontainers.image.title"))
                    .ok_or_else(|| refused(at("a raw layer names no file path".into())))?;
                let rel = safe_relative(path).map_err(|m| refused(at(m)))?;
                let out = create_file(root, &rel).map_err(|e| e.at(&at(path.to_string())))?;
                // The blob's own digest covers a raw layer: one hash, no second pass. No
                // fsync: the rename of the whole directory is the atomic step, and a torn
                // file after a power loss is not served as a verified one (the init
                // container starts over in a fresh emptyDir).
                let mut w = io::BufWriter::with_capacity(CHUNK, out);
                let n = copy_limited(&mut blob, &mut w, size)
                    .map_err(|e| e.in_raw(&at(path.into())))?;
                w.flush().map_err(|e| io_err(path, e))?;
                stats.files += 1;
                stats.bytes += n;
                None
            }
            crate::artifact::Packing::Tar
            | crate::artifact::Packing::TarGzip
            | crate::artifact::Packing::TarZstd => {
                extract_tar(&mut blob, packing, size, root, limits, stats)
                    .map_err(|e| e.at(&format!("layer {i}")))?
            }
            crate::artifact::Packing::Unknown => {
                return Err(refused(at(format!(
                    "media type {media_type} is not one this runtime knows how to unpack"
                ))));
            }
        };
        // The rest of the blob, so its digest covers every byte.
        let mut sink = io::sink();
        io::copy(&mut blob, &mut sink).map_err(|e| {
            if e.kind() == io::ErrorKind::InvalidData {
                refused(at(e.to_string()))
            } else {
                UnpackError::Io(at(e.to_string()))
            }
        })?;
        let (got, count) = blob.finish();
        if count != size {
            return Err(refused(at(format!(
                "the blob has {count} bytes, the descriptor says {size}"
            ))));
        }
        if got != digest {
            return Err(refused(at(format!(
                "the blob hashes to {got}, the descriptor says {digest}"
            ))));
        }
        if let Some(want) = diff_id {
            // Raw and plain tar layers: the content is the blob.
            let got = uncompressed.as_ref().unwrap_or(&got);
            if want != got {
                return Err(refused(at(format!(
                    "the content hashes to {got}, the config's diffId says {want}"
                ))));
            }
        }
    }
    Ok(())
}

/// A ModelPack config's `modelfs.diffIds`, when the manifest has a ModelPack config.
fn diff_ids(
    source: &dyn BlobSource,
    manifest: &Value,
    layers: usize,
    limits: &Limits,
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
    let reader = source
        .open_blob(&digest)
        .map_err(|e| UnpackError::Io(format!("config: {e}")))?;
    let doc = crate::artifact::Document::from_reader(reader, limits)
        .map_err(|e| UnpackError::Io(format!("config: {e}")))?;
    if doc.sha256 != digest && digest.algorithm() == "sha256" {
        return Err(refused(format!(
            "the config hashes to {}, the descriptor says {digest}",
            doc.sha256
        )));
    }
    let json = doc
        .json
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
pub fn safe_relative(path: &str) -> Result<PathBuf, String> {
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
    if let Some(bound) = crate::inspect::names::path_bound(path) {
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
    /// For a raw layer, a transport failure is the machine's, invalid data the artifact's.
    fn in_raw(self, what: &str) -> UnpackError {
        match self {
            CopyError::Read(e) if e.kind() == io::ErrorKind::InvalidData => {
                UnpackError::Refused(format!("{what}: {e}"))
            }
            CopyError::Read(e) | CopyError::Write(e) => UnpackError::Io(format!("{what}: {e}")),
        }
    }
}

/// Copy at most `limit` bytes; more is an error (the descriptor's size is a promise).
fn copy_limited(r: &mut dyn Read, w: &mut dyn Write, limit: u64) -> Result<u64, CopyError> {
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

/// Extract one tar layer into `root`; returns the sha256 of the uncompressed stream.
fn extract_tar(
    blob: &mut dyn Read,
    packing: crate::artifact::Packing,
    size: u64,
    root: &Path,
    limits: &Limits,
    stats: &mut Unpacked,
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
        let mut files: BTreeSet<PathBuf> = BTreeSet::new();
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
                    let mut out = io::BufWriter::with_capacity(CHUNK, create_file(root, &rel)?);
                    let declared = entry.size();
                    let n = copy_limited(&mut entry, &mut out, declared)
                        .map_err(|e| e.in_tar(&name))?;
                    out.flush()?;
                    stats.files += 1;
                    stats.bytes += n;
                    files.insert(rel);
                }
                tar::EntryType::Symlink => {
                    let target = entry
                        .link_name_bytes()
                        .map(|b| b.into_owned())
                        .unwrap_or_default();
                    if let Some(bound) = crate::inspect::names::link_bound(&target) {
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
                    if !files.contains(&target_rel) {
                        return Err(EntryError::Refused(format!(
                            "{name}: a hard link to {target}, which is not an earlier file of \
                             this layer"
                        )));
                    }
                    let path = make_parents(root, &rel)?;
                    fs::hard_link(root.join(&target_rel), &path)?;
                    files.insert(rel);
                }
                other => {
                    return Err(EntryError::Refused(format!(
                        "{name}: a {other:?} entry (devices, FIFOs and the like are never unpacked)"
                    )));
                }
            }
        }
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
