//! Facts about one artifact, gathered once by streaming and then read by every check.
//!
//! Nothing here judges: a fact records what the bytes are (digests, sizes, parsed JSON, what a
//! tar holds). Checks in [`crate::checks`] map facts to requirement outcomes, so the same checks
//! serve every target.

use crate::digest::Digest;
use serde_json::Value;

/// Caps that keep hostile input from exhausting memory, disk or time.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Documents (manifests, configs, index.json) larger than this are not parsed.
    pub max_document_bytes: u64,
    /// A compressed layer may not expand beyond this many bytes.
    pub max_uncompressed_bytes: u64,
    /// A compressed layer may not expand beyond `ratio × compressed + ratio_slack_bytes`.
    pub max_ratio: u64,
    pub ratio_slack_bytes: u64,
    /// Tar entries beyond this count are not inspected (reported as a limit finding).
    pub max_tar_entries: u64,
    /// Worker threads for layer streaming; 0 means one per core.
    pub threads: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_document_bytes: 16 << 20,
            max_uncompressed_bytes: 1 << 40,
            max_ratio: 100,
            ratio_slack_bytes: 1 << 20,
            max_tar_entries: 1_000_000,
            threads: 0,
        }
    }
}

/// A small JSON document kept as its exact stored bytes plus its parse.
#[derive(Debug, Clone)]
pub struct Document {
    /// The bytes as stored; `None` when the document exceeded `max_document_bytes`.
    pub bytes: Option<Vec<u8>>,
    /// The full stored length, even when the bytes were not kept.
    pub size: u64,
    /// The parsed value, or why it does not parse (not UTF-8, not JSON, too deep, too large).
    pub json: Result<Value, String>,
}

/// Facts about the OCI image layout that carried the artifact.
#[derive(Debug, Clone)]
pub struct LayoutFacts {
    /// The `oci-layout` file, `None` when absent.
    pub oci_layout: Option<Document>,
    pub index: Document,
    /// JSON pointer (into index.json) of the descriptor that selected the manifest.
    pub selected_pointer: String,
    /// That descriptor as written in index.json.
    pub selected: Value,
}

/// Why a blob's bytes are not available.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobProblem {
    /// The descriptor's digest is missing or malformed, so the blob cannot be located.
    Unaddressable(String),
    /// The digest is well formed but the target holds no such blob.
    Missing,
    /// Reading failed.
    Io(String),
}

/// What streaming a blob measured: the digest of the exact stored bytes (same algorithm as the
/// descriptor's digest) and their length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobFacts {
    pub digest: Digest,
    pub size: u64,
}

/// The compression a blob's first bytes reveal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Magic {
    Gzip,
    Zstd,
    /// A POSIX/GNU tar header (`ustar` at offset 257).
    Tar,
    Empty,
    Other,
}

/// How a layer's media type says its bytes are packed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packing {
    Raw,
    Tar,
    TarGzip,
    TarZstd,
    /// The media type is not one whose packing this profile knows; content is hashed only.
    Unknown,
}

/// The kind of a tar entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Directory,
    Symlink,
    Hardlink,
    CharDevice,
    BlockDevice,
    Fifo,
    Other,
}

/// A content-safety problem observed in a tar layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TarIssue {
    /// The archive is truncated or a header is corrupt.
    Malformed(String),
    AbsolutePath,
    ParentComponent,
    /// A symlink or hardlink whose target resolves outside the layer root.
    LinkEscape {
        target: String,
    },
    /// A hardlink to an entry that does not precede it in the archive.
    DanglingHardlink {
        target: String,
    },
    DeviceNode(EntryKind),
    DuplicatePath,
    /// The entry name is not valid UTF-8, or holds a backslash or NUL.
    UnsafeName,
    TooManyEntries,
}

/// One problem, with the entry it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryProblem {
    pub entry: String,
    pub issue: TarIssue,
}

/// The entry that the layer's `org.cncf.model.filepath` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedEntry {
    pub path: String,
    pub kind: EntryKind,
    pub size: u64,
    pub mode: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TarFacts {
    pub entries: u64,
    /// Problems in archive order; at most a bounded number are kept.
    pub problems: Vec<EntryProblem>,
    /// The entry equal to the expected filepath (after dropping a leading `./`), if any.
    pub named: Option<NamedEntry>,
    /// Whether some entry lies below the expected filepath (the filepath names a directory).
    pub named_has_children: bool,
}

/// Why decompression stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bomb {
    /// Expansion passed `max_ratio × compressed + slack`.
    Ratio { compressed: u64, uncompressed: u64 },
    /// Expansion passed `max_uncompressed_bytes`.
    Size { uncompressed: u64 },
}

/// What the layer's content revealed beyond its stored bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContentFacts {
    pub magic: Option<Magic>,
    pub packing: Option<Packing>,
    /// sha256 of the uncompressed content (for raw layers: of the stored bytes); `None` when
    /// the content could not be fully decompressed.
    pub diff_id: Option<Digest>,
    pub uncompressed_size: Option<u64>,
    /// The compression the media type declares disagrees with the magic bytes.
    pub compression_mismatch: bool,
    /// The decompressor reported corrupt data.
    pub decode_error: Option<String>,
    pub bomb: Option<Bomb>,
    pub tar: Option<TarFacts>,
    /// Why the content was not inspected (e.g. the user turned content inspection off).
    pub skipped: Option<String>,
}

/// Facts about one layer, in manifest order.
#[derive(Debug, Clone)]
pub struct LayerFacts {
    pub index: usize,
    pub blob: Result<BlobFacts, BlobProblem>,
    pub content: ContentFacts,
}

/// A config blob: its stored bytes and parse.
#[derive(Debug, Clone)]
pub struct ConfigFacts {
    pub blob: Result<BlobFacts, BlobProblem>,
    /// `None` when the blob could not be read.
    pub document: Option<Document>,
}

/// Everything the checks may look at.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// Credential-free description of where the artifact came from.
    pub target: String,
    pub layout: Option<LayoutFacts>,
    pub manifest: Document,
    /// sha256 of the stored manifest bytes.
    pub manifest_digest: Digest,
    /// `None` when the manifest has no usable `config` descriptor.
    pub config: Option<ConfigFacts>,
    /// One entry per element of the manifest's `layers` array (empty when it has none).
    pub layers: Vec<LayerFacts>,
}

impl Artifact {
    pub fn manifest_json(&self) -> Option<&Value> {
        self.manifest.json.as_ref().ok()
    }
    pub fn config_json(&self) -> Option<&Value> {
        self.config
            .as_ref()
            .and_then(|c| c.document.as_ref())
            .and_then(|d| d.json.as_ref().ok())
    }
}
