//! Facts about one artifact, gathered once by streaming and then read by every check.
//!
//! Nothing here judges: a fact records what the bytes are (digests, sizes, parsed JSON, what a
//! tar holds). Checks in [`crate::checks`] map facts to requirement outcomes, so the same checks
//! serve every target.

use crate::digest::Digest;
/// Re-exported for the modules above the facts, which have always named them here.
use crate::document::Document;
use serde_json::Value;

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
    /// A layout blob stored as a symbolic link that leaves the layout (OCI-004); not read.
    OutsideLayout(String),
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
    /// The path or link target exceeds a file-system bound (LAY-011…LAY-014).
    NameBound(crate::names::NameBound),
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

/// One entry of a tar layer, by its lexical normal form (no `./`, no trailing `/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryPath {
    pub path: String,
    pub kind: EntryKind,
}

/// A small file captured whole (or up to a cap) from a layer, for checks that read content:
/// `SKILL.md` in a skill bundle, a prompt template, a workflow document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedFile {
    /// The tar entry's normal form, or for a raw layer its `org.opencontainers.image.title`
    /// (empty when it has none).
    pub path: String,
    /// The file's full size.
    pub size: u64,
    /// At most the capture cap of its first bytes.
    pub bytes: Vec<u8>,
    /// The file was larger than the cap; `bytes` holds only its beginning.
    pub truncated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TarFacts {
    pub entries: u64,
    /// Every entry's path, in archive order, when the layer's capture rule asks for them
    /// (skill bundles); at most [`crate::inspect::MAX_PATHS`] are kept.
    pub paths: Vec<EntryPath>,
    /// More entries existed than `paths` keeps.
    pub paths_truncated: bool,
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
    /// Files captured by the layer's capture rule (see [`crate::inspect::capture_rule`]).
    pub files: Vec<CapturedFile>,
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
    /// When the target is an agent bundle (an image index, see `spec/v1.0/bundles.md`): one
    /// entry per element of the index's `manifests` array; `manifest` is then the index.
    pub bundle: Option<Vec<MemberFacts>>,
    /// Referrers found for the manifest; `None` when discovery did not run (e.g. `validate`).
    pub evidence: Option<crate::evidence::EvidenceFacts>,
    /// When the target is an image index that is not an agent bundle (`spec/v1.0/indexes.md`):
    /// the manifests following it reached, each an artifact of its own; `manifest` is then the
    /// index.
    pub index: Option<IndexFacts>,
}

/// What following an image index to its manifests found.
#[derive(Debug, Clone, Default)]
pub struct IndexFacts {
    /// The manifests reached (nested indexes flattened, depth first, in array order) and kept
    /// by the selection.
    pub children: Vec<ChildFacts>,
    /// What stopped the walk somewhere: a missing child, a cycle, a bound.
    pub problems: Vec<IndexProblem>,
    /// Manifests reached but left out by `--platform` / `--artifact-type`.
    pub excluded: usize,
}

/// One manifest an index led to.
#[derive(Debug, Clone)]
pub struct ChildFacts {
    /// The chain of positions from the selected index down, e.g. `/manifests/1/manifests/0`.
    pub path: String,
    /// The descriptor that named the manifest, as written in its parent index.
    pub descriptor: Value,
    pub artifact: Artifact,
}

/// Why a descriptor of a followed index led nowhere usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexProblemKind {
    /// The target holds no blob under the digest.
    Missing,
    /// Neither an image manifest nor an image index.
    NotManifest,
    /// Reading failed.
    Unreadable,
    /// A blob stored as a symbolic link that leaves the layout (OCI-004).
    OutsideLayout,
    /// The descriptor's digest is missing or malformed.
    Unaddressable,
    /// The stored bytes do not have the descriptor's digest or size.
    Mismatch,
    /// The descriptor names an index already being followed.
    Cycle,
    /// An index nested deeper than the bound.
    TooDeep,
    /// More descriptors than the bound.
    TooMany,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexProblem {
    /// The chain of positions of the descriptor, as in [`ChildFacts::path`].
    pub path: String,
    pub kind: IndexProblemKind,
    pub message: String,
}

/// What evaluating one member of an agent bundle as an artifact of its own found.
#[derive(Debug, Clone)]
pub struct MemberFacts {
    /// Position in the bundle index's `manifests` array.
    pub index: usize,
    /// Why the member could not be read as an image manifest from the layout, if it could not.
    pub unreadable: Option<String>,
    /// The member manifest's `org.cncf.ai.artifact.type`.
    pub kind: Option<String>,
    /// The member's own facts, gathered like any artifact's; `None` when it is unreadable.
    pub artifact: Option<std::sync::Arc<Artifact>>,
    /// Requirements that break the member's conformance (MUST failures and errors), with why.
    /// `None` until the engine has judged the member (see `engine::bundle`).
    pub breaking: Option<Vec<(String, String)>>,
    /// The `oci://` references of a workflow member's document, with their JSON pointers.
    pub references: Vec<(String, String)>,
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
