//! Which file of a source becomes which layer.
//!
//! A model directory: every top-level regular file is one `raw` layer; every top-level
//! directory is one tar layer holding the directory and everything below it (`tar` for
//! weights, which barely compress and are range-read — MPK-015 — and `tar+gzip` otherwise).
//! The layer kind (`weight`, `weight.config`, `doc`, `code`, `dataset`) comes from a metadata
//! file when it names the path, else from well-known names and extensions; an inferred kind is
//! marked `org.cncf.model.file.mediatype.untested: "true"` as ModelPack asks.
//!
//! Hidden entries (a name starting with `.`, such as `.git`) are not packed. A top-level
//! symbolic link, a socket, a device or a FIFO is refused: what it points to is not the
//! model's to ship. Inside a directory layer a symbolic link is kept when it resolves inside
//! that directory, and refused otherwise.

use crate::tarball::Kind as EntryKind;
use crate::vocabulary::{APPLICATION_PREFIX, MODEL_LAYER_PREFIX};
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Why the reference packer refused or failed. Wrapped errors show as themselves; a path or
/// layer context shows first and the error it wraps follows in the source chain (the command
/// prints the chain, `: `-separated).
#[derive(Debug, thiserror::Error)]
pub(crate) enum PackError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// A named file that cannot be read as one (a FIFO, a device, too large): the user's to fix.
    #[error(transparent)]
    Input(#[from] crate::input::InputError),
    #[error(transparent)]
    Walk(#[from] WalkError),
    /// An I/O failure at a path.
    #[error("{at}")]
    At {
        at: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a metadata document")]
    NotMetadata {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{path}: not JSON")]
    NotJson {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    /// A tar entry that cannot be written.
    #[error("{name}")]
    Entry {
        name: String,
        #[source]
        source: crate::tarball::TarballError,
    },
    /// A layer that could not be built.
    #[error("layer {path}")]
    Layer {
        path: String,
        #[source]
        source: Box<PackError>,
    },
    /// A source, metadata or layout the packer refuses, and why.
    #[error("{0}")]
    Refused(String),
}

type Result<T, E = PackError> = std::result::Result<T, E>;

/// The five ModelPack layer kinds.
pub const KINDS: [&str; 5] = ["weight", "weight.config", "doc", "code", "dataset"];

/// How a layer's bytes are packed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packing {
    Raw,
    Tar,
    TarGzip,
}

impl Packing {
    pub(crate) fn suffix(self) -> &'static str {
        match self {
            Packing::Raw => "raw",
            Packing::Tar => "tar",
            Packing::TarGzip => "tar+gzip",
        }
    }
}

/// One entry of a tar layer, in archive order.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Path inside the archive (relative to the layer's root), `/`-separated, no trailing `/`.
    pub name: String,
    pub kind: EntryKind,
    /// Permission bits written into the header: 0644 or 0755 (files keep "executable").
    pub mode: u32,
    /// Where the bytes come from (files only).
    pub source: PathBuf,
    /// Size at planning time; a file whose size changes while it is packed is an error.
    pub size: u64,
    /// Target of a symbolic link.
    pub link: String,
}

/// What goes into one layer.
#[derive(Debug, Clone)]
pub enum Content {
    /// One file's bytes.
    File {
        source: PathBuf,
        size: u64,
        mode: u32,
    },
    /// A tar archive of entries (the first names the layer's path itself when it is a
    /// directory).
    Tree(Vec<Entry>),
}

/// One planned layer.
#[derive(Debug, Clone)]
pub struct Layer {
    /// `org.cncf.model.filepath` (models), or the archive root for agentic kinds.
    pub path: String,
    pub media_type: String,
    pub packing: Packing,
    /// Whether the kind was inferred (ModelPack's `untested` annotation).
    pub inferred: bool,
    pub content: Content,
}

impl Layer {
    /// Bytes of content, to schedule the largest layers first.
    pub fn weight(&self) -> u64 {
        match &self.content {
            Content::File { size, .. } => *size,
            Content::Tree(entries) => entries.iter().map(|e| e.size).sum(),
        }
    }
}

/// The ModelPack kind a file name suggests.
pub(crate) fn kind_of_file(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    const WEIGHT_CONFIG: [&str; 10] = [
        "config.json",
        "generation_config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "added_tokens.json",
        "preprocessor_config.json",
        "tokenizer.model",
        "vocab.json",
        "merges.txt",
    ];
    if WEIGHT_CONFIG.contains(&lower.as_str())
        || lower.ends_with(".index.json")
        || lower.starts_with("vocab.")
        || ext == "tiktoken"
    {
        return "weight.config";
    }
    if lower.starts_with("readme")
        || lower.starts_with("license")
        || lower.starts_with("licence")
        || lower.starts_with("notice")
        || lower.starts_with("model_card")
        || lower.starts_with("modelcard")
    {
        return "doc";
    }
    if lower == "requirements.txt" || lower == "dockerfile" || lower == "containerfile" {
        return "code";
    }
    match ext {
        "safetensors" | "gguf" | "ggml" | "bin" | "pt" | "pth" | "ckpt" | "onnx" | "h5"
        | "keras" | "msgpack" | "tflite" | "mlmodel" | "pb" | "npz" | "npy" | "pkl" | "joblib" => {
            "weight"
        }
        "json" | "yaml" | "yml" | "toml" => "weight.config",
        "md" | "txt" | "rst" | "pdf" | "html" | "adoc" => "doc",
        "py" | "sh" | "js" | "ts" | "go" | "rs" | "c" | "cc" | "cpp" | "h" | "java" | "ipynb"
        | "r" | "jl" | "lua" | "rb" => "code",
        "jsonl" | "csv" | "tsv" | "parquet" | "arrow" | "avro" | "tfrecord" => "dataset",
        _ => "doc",
    }
}

/// The kind a directory suggests: by its name, else by what it holds (any weight file makes
/// it weights; only documents make it docs; otherwise code).
pub(crate) fn kind_of_dir(name: &str, entries: &[Entry]) -> &'static str {
    match name.to_ascii_lowercase().as_str() {
        "weights" | "checkpoints" | "model" | "models" => return "weight",
        "code" | "src" | "scripts" | "lib" => return "code",
        "data" | "dataset" | "datasets" => return "dataset",
        "doc" | "docs" | "documentation" => return "doc",
        _ => {}
    }
    let files: Vec<&str> = entries
        .iter()
        .filter(|e| e.kind == EntryKind::File)
        .map(|e| e.name.rsplit('/').next().unwrap_or(&e.name))
        .collect();
    if files.iter().any(|f| kind_of_file(f) == "weight") {
        "weight"
    } else if !files.is_empty() && files.iter().all(|f| kind_of_file(f) == "doc") {
        "doc"
    } else if !files.is_empty() && files.iter().all(|f| kind_of_file(f) == "dataset") {
        "dataset"
    } else {
        "code"
    }
}

pub(crate) fn model_media_type(kind: &str, packing: Packing) -> String {
    format!("{MODEL_LAYER_PREFIX}{kind}.v1.{}", packing.suffix())
}

/// A name as it may appear in a tar header and a filepath annotation: UTF-8, no backslash,
/// no control character.
fn checked_name(path: &Path) -> Result<String> {
    let name = path
        .to_str()
        .ok_or_else(|| PackError::Refused(format!("{}: the name is not UTF-8", path.display())))?;
    if name.contains('\\') || name.chars().any(char::is_control) {
        return Err(PackError::Refused(format!(
            "{name}: a name with a backslash or a control character is not portable"
        )));
    }
    Ok(name.to_string())
}

fn normalized_mode(meta: &fs::Metadata) -> u32 {
    if meta.is_dir() || meta.permissions().mode() & 0o111 != 0 {
        0o755
    } else {
        0o644
    }
}

/// Why a directory cannot be packed as it stands. `validate skill` reports the same refusals as
/// findings, so the walker that packs and the one that validates are this one.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WalkError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A name that is not UTF-8 or holds a backslash or a control character (LAY-009).
    #[error("{0}")]
    Name(String),
    /// A symbolic link that resolves outside the archive root, or is absolute (LAY-005).
    #[error(
        "{}: the symbolic link to {target} leaves {root}; a packed artifact may not point outside itself",
        path.display()
    )]
    LinkLeaves {
        path: PathBuf,
        target: String,
        root: String,
    },
    /// A device, FIFO or socket (LAY-006).
    #[error("{}: a device, FIFO or socket cannot be packed", path.display())]
    Special { path: PathBuf },
}

/// Every entry below `dir` (whose archive name is `name`), depth first in byte order of names,
/// the directory itself first. `root` is the archive name links must stay inside.
pub fn walk(dir: &Path, name: &str, root: &str, out: &mut Vec<Entry>) -> Result<(), WalkError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| WalkError::Io { path, source }
    };
    let named = |p: &Path| checked_name(p).map_err(|e| WalkError::Name(e.to_string()));
    let meta = fs::symlink_metadata(dir).map_err(io(dir))?;
    out.push(Entry {
        name: name.to_string(),
        kind: EntryKind::Dir,
        mode: normalized_mode(&meta),
        source: dir.to_path_buf(),
        size: 0,
        link: String::new(),
    });
    let mut children: Vec<(String, PathBuf)> = Vec::new();
    for e in fs::read_dir(dir).map_err(io(dir))? {
        let e = e.map_err(io(dir))?;
        let file_name = named(Path::new(&e.file_name()))?;
        if file_name.starts_with('.') {
            continue;
        }
        children.push((file_name, e.path()));
    }
    children.sort();
    for (child, path) in children {
        let child_name = format!("{name}/{child}");
        let meta = fs::symlink_metadata(&path).map_err(io(&path))?;
        let ft = meta.file_type();
        if ft.is_dir() {
            walk(&path, &child_name, root, out)?;
        } else if ft.is_file() {
            out.push(Entry {
                name: child_name,
                kind: EntryKind::File,
                mode: normalized_mode(&meta),
                source: path,
                size: meta.len(),
                link: String::new(),
            });
        } else if ft.is_symlink() {
            let target = fs::read_link(&path).map_err(io(&path))?;
            let target = named(&target)?;
            // Resolved from the link's directory, the target must stay below the layer's root.
            let inside_root = !target.starts_with('/')
                && normalize(&format!("{name}/{target}"))
                    .is_some_and(|n| n == root || n.starts_with(&format!("{root}/")));
            if !inside_root {
                return Err(WalkError::LinkLeaves {
                    path,
                    target,
                    root: root.to_string(),
                });
            }
            out.push(Entry {
                name: child_name,
                kind: EntryKind::Symlink,
                mode: 0o755,
                source: path,
                size: 0,
                link: target,
            });
        } else {
            return Err(WalkError::Special { path });
        }
    }
    Ok(())
}

/// `a/b/../c` → `a/c`; `None` when `..` climbs above the start.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// Layers of a model directory. `kinds` maps a top-level path to the kind (or full media
/// type) a metadata file gives it; `skip` holds paths that are not packed (the metadata file
/// itself).
pub(crate) fn model_layers(
    src: &Path,
    kinds: &BTreeMap<String, String>,
    skip: &[PathBuf],
) -> Result<Vec<Layer>> {
    let mut top: Vec<(String, PathBuf)> = Vec::new();
    for e in fs::read_dir(src).map_err(|source| PackError::At {
        at: src.display().to_string(),
        source,
    })? {
        let e = e?;
        let name = checked_name(Path::new(&e.file_name()))?;
        if name.starts_with('.') || skip.iter().any(|s| same_file(s, &e.path())) {
            continue;
        }
        top.push((name, e.path()));
    }
    top.sort();
    if top.is_empty() {
        return Err(PackError::Refused(format!(
            "{}: nothing to pack",
            src.display()
        )));
    }
    for k in kinds.keys() {
        if !top.iter().any(|(n, _)| n == k) {
            return Err(PackError::Refused(format!(
                "the metadata names layer {k:?}, which is not a top-level entry of the source"
            )));
        }
    }
    let mut layers = Vec::new();
    for (name, path) in top {
        let meta = fs::symlink_metadata(&path)?;
        let ft = meta.file_type();
        let (content, guessed, is_dir) = if ft.is_file() {
            (
                Content::File {
                    source: path.clone(),
                    size: meta.len(),
                    mode: normalized_mode(&meta),
                },
                kind_of_file(&name),
                false,
            )
        } else if ft.is_dir() {
            let mut entries = Vec::new();
            walk(&path, &name, &name, &mut entries)?;
            let kind = kind_of_dir(&name, &entries);
            (Content::Tree(entries), kind, true)
        } else {
            return Err(PackError::Refused(format!(
                "{}: only regular files and directories are packed at the top level \
                 (a symbolic link, device, FIFO or socket is not)",
                path.display()
            )));
        };
        let (kind, inferred) = match kinds.get(&name) {
            Some(k) => (k.as_str(), false),
            None => (guessed, true),
        };
        let (media_type, packing) = if let Some(rest) = kind.strip_prefix(APPLICATION_PREFIX) {
            let packing = match rest.rsplit_once('.').map(|(_, s)| s) {
                Some("raw") => Packing::Raw,
                Some("tar") => Packing::Tar,
                Some("tar+gzip") => Packing::TarGzip,
                _ => {
                    return Err(PackError::Refused(format!(
                        "layer {name}: media type {kind} is not a raw, tar or tar+gzip type"
                    )));
                }
            };
            (kind.to_string(), packing)
        } else {
            if !KINDS.contains(&kind) {
                return Err(PackError::Refused(format!(
                    "layer {name}: unknown kind {kind:?} (one of {})",
                    KINDS.join(", ")
                )));
            }
            let packing = match (is_dir, kind) {
                (false, _) => Packing::Raw,
                (true, "weight") => Packing::Tar,
                (true, _) => Packing::TarGzip,
            };
            (model_media_type(kind, packing), packing)
        };
        if is_dir == (packing == Packing::Raw) {
            return Err(PackError::Refused(format!(
                "layer {name}: a directory needs a tar media type and a file a raw one"
            )));
        }
        layers.push(Layer {
            path: name,
            media_type,
            packing,
            inferred,
            content,
        });
    }
    Ok(layers)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_name_and_extension() {
        assert_eq!(kind_of_file("model-00001-of-00002.safetensors"), "weight");
        assert_eq!(kind_of_file("config.json"), "weight.config");
        assert_eq!(
            kind_of_file("model.safetensors.index.json"),
            "weight.config"
        );
        assert_eq!(kind_of_file("README.md"), "doc");
        assert_eq!(kind_of_file("LICENSE"), "doc");
        assert_eq!(kind_of_file("requirements.txt"), "code");
        assert_eq!(kind_of_file("train.jsonl"), "dataset");
        assert_eq!(kind_of_file("serve.py"), "code");
    }

    #[test]
    fn links_must_stay_inside() {
        assert_eq!(normalize("code/sub/../a.py").as_deref(), Some("code/a.py"));
        assert_eq!(normalize("code/../../x"), None);
    }
}
