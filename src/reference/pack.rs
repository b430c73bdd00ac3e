//! `ai-interop pack`: a model directory, a skill directory, a prompt template or a workflow
//! document into an OCI image layout that the contract's checks accept.
//!
//! Deterministic: entries in byte order of their names, every tar header field fixed (mtime
//! 2025-01-01T00:00:00Z, uid/gid 0, modes 0644/0755), gzip with a fixed header, JSON written
//! in one fixed key order, and no timestamp unless the caller gives one — so the same input
//! always gives the same digests. One pass per file: its bytes are hashed (blob digest and,
//! for compressed layers, the uncompressed diffId) while they are written; no file is held in
//! memory. Layers are built by one worker per core, largest first.

use super::blobs::{BlobStore, CHUNK, HashWriter};
use super::plan::{self, Content, Entry, Layer, PackError, Packing};
use crate::digest::Digest;
use crate::tarball::{Kind as EntryKind, MTIME_RFC3339, gzip_writer, ustar_header};
use crate::vocabulary::{
    ARTIFACT_TYPE, FILE_METADATA, FILEPATH, IMAGE_CREATED, IMAGE_LICENSES, IMAGE_TITLE,
    IMAGE_VERSION, LIFECYCLE, MODEL_CONFIG, MODEL_MANIFEST, OCI_INDEX, OCI_MANIFEST, PACKAGING,
    PROFILE_VERSION, PROMPT_CONFIG, PROMPT_MANIFEST, PROMPT_TEMPLATE_LAYER, REF_NAME,
    SKILL_BUNDLE_PREFIX, SKILL_CONFIG, SKILL_MANIFEST, UNTESTED, WORKFLOW_CONFIG,
    WORKFLOW_DOCUMENT_LAYER, WORKFLOW_MANIFEST,
};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

type Result<T, E = PackError> = std::result::Result<T, E>;

const SPEC_PROFILE_VERSION: &str = "1.0.0";

/// What is being packed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ArtifactKind {
    Model,
    Skill,
    Prompt,
    Workflow,
}

impl ArtifactKind {
    /// A directory with `SKILL.md` is a skill, any other directory a model; a file starting
    /// with a `---` frontmatter fence is a prompt template, any other file a workflow.
    pub(crate) fn detect(src: &Path) -> Result<ArtifactKind> {
        let meta = fs::metadata(src).map_err(|source| PackError::At {
            at: src.display().to_string(),
            source,
        })?;
        if meta.is_dir() {
            let skill = ["SKILL.md", "skill.md"]
                .iter()
                .any(|n| src.join(n).is_file());
            return Ok(if skill {
                ArtifactKind::Skill
            } else {
                ArtifactKind::Model
            });
        }
        let mut head = [0u8; 8];
        let n = File::open(src)?.read(&mut head)?;
        let head = head[..n]
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(&head[..n]);
        Ok(if head.starts_with(b"---") {
            ArtifactKind::Prompt
        } else {
            ArtifactKind::Workflow
        })
    }

    fn names(self) -> (&'static str, &'static str, &'static str) {
        // (artifactType, config media type, org.cncf.ai.artifact.type)
        match self {
            ArtifactKind::Model => (MODEL_MANIFEST, MODEL_CONFIG, "model"),
            ArtifactKind::Skill => (SKILL_MANIFEST, SKILL_CONFIG, "skill"),
            ArtifactKind::Prompt => (PROMPT_MANIFEST, PROMPT_CONFIG, "prompt-template"),
            ArtifactKind::Workflow => (WORKFLOW_MANIFEST, WORKFLOW_CONFIG, "workflow"),
        }
    }
}

/// The optional metadata file (`--metadata`): manifest annotations, the config fields the
/// packer cannot derive, and the kind or media type of named top-level paths.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Metadata {
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// ModelPack: `descriptor` and `config` (`modelfs` is derived); a workflow: its config.
    #[serde(default)]
    pub config: Option<Map<String, Value>>,
    /// Top-level path → `weight`, `weight.config`, `doc`, `code`, `dataset` or a full
    /// ModelPack media type.
    #[serde(default)]
    pub layers: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct PackOptions {
    /// Detected from the source when absent.
    pub kind: Option<ArtifactKind>,
    pub metadata: Option<PathBuf>,
    /// Manifest annotations that override the metadata file's and the defaults.
    pub annotations: Vec<(String, String)>,
    /// Worker threads (0: one per core).
    pub threads: usize,
}

/// One layer as written.
#[derive(Debug, Clone)]
pub(crate) struct PackedLayer {
    pub size: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct Packed {
    pub kind: ArtifactKind,
    pub manifest_digest: Digest,
    pub layers: Vec<PackedLayer>,
}

/// Pack `src` into the layout at `layout` (created if absent; other tags in it are kept) under
/// `tag`.
pub(crate) fn pack(src: &Path, layout: &Path, tag: &str, opts: &PackOptions) -> Result<Packed> {
    if !crate::targets::registry::reference::valid_tag(tag) {
        return Err(PackError::Refused(format!("{tag:?} is not a valid tag")));
    }
    let metadata: Metadata = match &opts.metadata {
        // A user-named file: bounded and regular (a FIFO or /dev/zero is refused, not read).
        Some(p) => serde_json::from_slice(&crate::input::read_bounded(
            p,
            crate::input::MAX_INPUT_BYTES,
        )?)
        .map_err(|source| PackError::NotMetadata {
            path: p.display().to_string(),
            source,
        })?,
        None => Metadata::default(),
    };
    let kind = match opts.kind {
        Some(k) => k,
        None => ArtifactKind::detect(src)?,
    };
    let resolved = resolve_source(src, kind)?;
    let src = resolved.as_path();
    let layers = plan_layers(src, kind, &metadata, opts)?;
    crate::progress::expect_bytes(layers.iter().map(Layer::weight).sum());
    let store = BlobStore::open(layout).map_err(|source| PackError::At {
        at: layout.display().to_string(),
        source,
    })?;
    let built = build_all(&store, &layers, kind, opts.threads)?;

    let (artifact_type, config_media_type, type_name) = kind.names();
    let config = config_for(src, kind, &metadata, &layers, &built)?;
    let config_bytes = serde_json::to_vec(&config)?;
    let (config_digest, config_size) = store.put(&config_bytes)?;

    let annotations = manifest_annotations(src, kind, type_name, &config, &metadata, opts)?;
    let layer_descs: Vec<Value> = built
        .iter()
        .map(|b| {
            json!({
                "mediaType": b.media_type,
                "digest": b.digest.to_string(),
                "size": b.size,
                "annotations": b.annotations,
            })
        })
        .collect();
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": artifact_type,
        "config": {
            "mediaType": config_media_type,
            "digest": config_digest.to_string(),
            "size": config_size,
        },
        "layers": layer_descs,
        "annotations": annotations,
    });
    let manifest_bytes = serde_json::to_vec(&manifest)?;
    let (manifest_digest, manifest_size) = store.put(&manifest_bytes)?;
    write_index(layout, tag, &manifest_digest, manifest_size)?;
    Ok(Packed {
        kind,
        manifest_digest,
        layers: built.iter().map(|b| PackedLayer { size: b.size }).collect(),
    })
}

/// The non-hidden entries of a directory.
fn visible_children(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).map_err(|source| PackError::At {
        at: dir.display().to_string(),
        source,
    })? {
        let e = e?;
        if !e.file_name().to_string_lossy().starts_with('.') {
            out.push(e.path());
        }
    }
    Ok(out)
}

/// A directory that holds just the thing to pack stands for it: a skill directory's parent
/// holding only that directory, a prompt's or workflow's directory holding only that file (as
/// the adapter protocol hands sources over).
fn resolve_source(src: &Path, kind: ArtifactKind) -> Result<PathBuf> {
    if !src.is_dir() {
        return Ok(src.to_path_buf());
    }
    let only = || -> Result<Option<PathBuf>> {
        let children = visible_children(src)?;
        Ok(match children.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        })
    };
    Ok(match kind {
        ArtifactKind::Skill
            if !["SKILL.md", "skill.md"]
                .iter()
                .any(|n| src.join(n).is_file()) =>
        {
            only()?
                .filter(|c| c.is_dir())
                .unwrap_or_else(|| src.to_path_buf())
        }
        ArtifactKind::Prompt | ArtifactKind::Workflow => only()?
            .filter(|c| fs::symlink_metadata(c).is_ok_and(|m| m.is_file()))
            .ok_or_else(|| {
                PackError::Refused(format!(
                    "{}: a {kind:?} is one file (or a directory holding only that file)",
                    src.display()
                ))
            })?,
        _ => src.to_path_buf(),
    })
}

fn file_name(src: &Path) -> Result<String> {
    let canonical = fs::canonicalize(src).map_err(|source| PackError::At {
        at: src.display().to_string(),
        source,
    })?;
    canonical
        .file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| PackError::Refused(format!("{}: the name is not UTF-8", src.display())))
}

fn plan_layers(
    src: &Path,
    kind: ArtifactKind,
    metadata: &Metadata,
    opts: &PackOptions,
) -> Result<Vec<Layer>> {
    let is_dir = fs::metadata(src)
        .map_err(|source| PackError::At {
            at: src.display().to_string(),
            source,
        })?
        .is_dir();
    match (kind, is_dir) {
        (ArtifactKind::Model, true) => {
            let skip: Vec<PathBuf> = opts.metadata.iter().cloned().collect();
            plan::model_layers(src, &metadata.layers, &skip)
        }
        (ArtifactKind::Skill, true) => {
            let name = file_name(src)?;
            let mut entries = Vec::new();
            plan::walk(src, &name, &name, &mut entries)?;
            Ok(vec![Layer {
                path: name,
                media_type: format!("{}tar+gzip", SKILL_BUNDLE_PREFIX),
                packing: Packing::TarGzip,
                inferred: false,
                content: Content::Tree(entries),
            }])
        }
        (ArtifactKind::Prompt | ArtifactKind::Workflow, false) => {
            let meta = fs::metadata(src)?;
            let media_type = if kind == ArtifactKind::Prompt {
                PROMPT_TEMPLATE_LAYER
            } else {
                WORKFLOW_DOCUMENT_LAYER
            };
            Ok(vec![Layer {
                path: file_name(src)?,
                media_type: media_type.into(),
                packing: Packing::Raw,
                inferred: false,
                content: Content::File {
                    source: src.to_path_buf(),
                    size: meta.len(),
                    mode: 0o644,
                },
            }])
        }
        (k, _) => Err(PackError::Refused(format!(
            "a {k:?} is packed from a {}, and {} is not one",
            if is_dir { "file" } else { "directory" },
            src.display()
        ))),
    }
}

struct Built {
    media_type: String,
    digest: Digest,
    size: u64,
    diff_id: Digest,
    annotations: Map<String, Value>,
}

/// Build every layer, one worker per core, the largest layers first; results in plan order.
fn build_all(
    store: &BlobStore,
    layers: &[Layer],
    kind: ArtifactKind,
    threads: usize,
) -> Result<Vec<Built>> {
    let workers = match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(layers.len())
    .max(1);
    let mut order: Vec<usize> = (0..layers.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(layers[i].weight()));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Built>>>> =
        Mutex::new((0..layers.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&i) = order.get(n) else { break };
                    let r = build_layer(store, &layers[i], kind);
                    let failed = r.is_err();
                    results.lock().expect("no worker panics")[i] = Some(r);
                    if failed {
                        // Let the other workers stop soon: skip what is left.
                        next.store(order.len(), Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let mut out = Vec::new();
    for (i, r) in results
        .into_inner()
        .expect("no worker panics")
        .into_iter()
        .enumerate()
    {
        match r {
            Some(r) => out.push(r.map_err(|e| PackError::Layer {
                path: layers[i].path.clone(),
                source: Box::new(e),
            })?),
            None => {
                return Err(PackError::Refused(format!(
                    "layer {} was not built: an earlier layer failed",
                    layers[i].path
                )));
            }
        }
    }
    Ok(out)
}

/// Copy exactly `size` bytes of `source` into `out`; a file that is shorter or longer than it
/// was when planned (changed while packing) is an error.
fn copy_file(source: &Path, size: u64, out: &mut dyn Write, buf: &mut [u8]) -> Result<()> {
    let mut f = File::open(source).map_err(|e| PackError::At {
        at: source.display().to_string(),
        source: e,
    })?;
    let mut left = size;
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = f.read(&mut buf[..want])?;
        if n == 0 {
            return Err(PackError::Refused(format!(
                "{}: shrank while it was packed",
                source.display()
            )));
        }
        out.write_all(&buf[..n])?;
        crate::progress::advance(n as u64);
        left -= n as u64;
    }
    if f.read(&mut buf[..1])? != 0 {
        return Err(PackError::Refused(format!(
            "{}: grew while it was packed",
            source.display()
        )));
    }
    Ok(())
}

/// A deterministic ustar stream of `entries`, file bytes streamed from disk.
pub(crate) fn write_tar(entries: &[Entry], out: &mut dyn Write) -> Result<()> {
    let mut buf = vec![0u8; CHUNK];
    for e in entries {
        let mut name = e.name.clone().into_bytes();
        if e.kind == EntryKind::Dir {
            name.push(b'/');
        }
        let size = if e.kind == EntryKind::File { e.size } else { 0 };
        let header =
            ustar_header(&name, e.kind, e.mode, size, e.link.as_bytes()).map_err(|source| {
                PackError::Entry {
                    name: e.name.clone(),
                    source,
                }
            })?;
        out.write_all(&header)?;
        if e.kind == EntryKind::File {
            copy_file(&e.source, e.size, out, &mut buf)?;
            let pad = (512 - (e.size % 512) as usize) % 512;
            out.write_all(&[0u8; 512][..pad])?;
        }
    }
    out.write_all(&[0u8; 1024])?;
    Ok(())
}

fn file_metadata(name: &str, mode: u32, size: u64, typeflag: u8) -> Value {
    json!({
        "name": name, "mode": mode, "uid": 0, "gid": 0, "size": size,
        "mtime": MTIME_RFC3339, "typeflag": typeflag
    })
}

fn build_layer(store: &BlobStore, l: &Layer, kind: ArtifactKind) -> Result<Built> {
    let mut blob = store.create()?;
    let (digest, size, diff_id) = match (&l.content, l.packing) {
        (Content::File { source, size, .. }, Packing::Raw) => {
            let mut buf = vec![0u8; CHUNK];
            copy_file(source, *size, &mut blob, &mut buf)?;
            let (d, n) = blob.commit()?;
            (d.clone(), n, d)
        }
        (Content::Tree(entries), Packing::Tar) => {
            write_tar(entries, &mut blob)?;
            let (d, n) = blob.commit()?;
            (d.clone(), n, d)
        }
        (Content::Tree(entries), Packing::TarGzip) => {
            let mut tar = HashWriter::new(gzip_writer(blob));
            write_tar(entries, &mut tar)?;
            let (diff_id, _, gz) = tar.finish();
            let (d, n) = gz.finish()?.commit()?;
            (d, n, diff_id)
        }
        _ => {
            return Err(PackError::Refused(format!(
                "layer {}: content and packing disagree",
                l.path
            )));
        }
    };
    let mut annotations = Map::new();
    match kind {
        ArtifactKind::Model => {
            let name = l.path.rsplit('/').next().unwrap_or(&l.path);
            let fm = match &l.content {
                Content::File { size, mode, .. } => file_metadata(name, *mode, *size, 0),
                Content::Tree(entries) => file_metadata(name, entries[0].mode, 0, 5),
            };
            annotations.insert(FILEPATH.into(), l.path.clone().into());
            annotations.insert(FILE_METADATA.into(), serde_json::to_string(&fm)?.into());
            annotations.insert(
                UNTESTED.into(),
                if l.inferred { "true" } else { "false" }.into(),
            );
        }
        ArtifactKind::Prompt | ArtifactKind::Workflow => {
            annotations.insert(IMAGE_TITLE.into(), l.path.clone().into());
        }
        ArtifactKind::Skill => {}
    }
    Ok(Built {
        media_type: l.media_type.clone(),
        digest,
        size,
        diff_id,
        annotations,
    })
}

/// The frontmatter of a file as a JSON object.
fn frontmatter(path: &Path) -> Result<Map<String, Value>> {
    let bytes = fs::read(path).map_err(|source| PackError::At {
        at: path.display().to_string(),
        source,
    })?;
    let parsed = crate::frontmatter::parse_frontmatter(&bytes)
        .map_err(|e| PackError::Refused(format!("{}: frontmatter: {e}", path.display())))?;
    match parsed.value {
        Value::Object(m) => Ok(m),
        _ => Err(PackError::Refused(format!(
            "{}: the frontmatter is not a mapping",
            path.display()
        ))),
    }
}

fn config_for(
    src: &Path,
    kind: ArtifactKind,
    metadata: &Metadata,
    layers: &[Layer],
    built: &[Built],
) -> Result<Value> {
    let given = metadata.config.clone().unwrap_or_default();
    Ok(match kind {
        ArtifactKind::Model => {
            for k in given.keys() {
                if k != "descriptor" && k != "config" {
                    return Err(PackError::Refused(format!(
                        "metadata config: {k:?} is not a ModelPack field the packer takes"
                    )));
                }
            }
            let mut descriptor = given
                .get("descriptor")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            if !descriptor.contains_key("name") {
                descriptor.insert("name".into(), file_name(src)?.into());
            }
            let diff_ids: Vec<Value> = built.iter().map(|b| b.diff_id.to_string().into()).collect();
            json!({
                "descriptor": descriptor,
                "config": given.get("config").cloned().unwrap_or_else(|| json!({})),
                "modelfs": {"type": "layers", "diffIds": diff_ids},
            })
        }
        ArtifactKind::Skill => {
            let root = &layers[0].path;
            let md = ["SKILL.md", "skill.md"]
                .iter()
                .map(|n| src.join(n))
                .find(|p| p.is_file())
                .ok_or_else(|| PackError::Refused(format!("{root}: no SKILL.md")))?;
            let fm = frontmatter(&md)?;
            Value::Object(
                fm.into_iter()
                    .filter(|(k, _)| crate::checks::skills::FIELDS.contains(&k.as_str()))
                    .collect(),
            )
        }
        ArtifactKind::Prompt => Value::Object(frontmatter(src)?),
        ArtifactKind::Workflow => {
            let mut c = given;
            c.entry("format")
                .or_insert_with(|| "serverless-workflow".into());
            Value::Object(c)
        }
    })
}

fn manifest_annotations(
    src: &Path,
    kind: ArtifactKind,
    type_name: &str,
    config: &Value,
    metadata: &Metadata,
    opts: &PackOptions,
) -> Result<BTreeMap<String, String>> {
    let mut a = BTreeMap::new();
    let mut set = |k: &str, v: &str| {
        a.insert(k.to_string(), v.to_string());
    };
    set(PROFILE_VERSION, SPEC_PROFILE_VERSION);
    set(ARTIFACT_TYPE, type_name);
    set(LIFECYCLE, "experimental");
    let title = match kind {
        ArtifactKind::Model => config
            .pointer("/descriptor/title")
            .or_else(|| config.pointer("/descriptor/name"))
            .and_then(Value::as_str)
            .map(str::to_string),
        ArtifactKind::Skill | ArtifactKind::Prompt => config
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string),
        ArtifactKind::Workflow => None,
    };
    let title = match title {
        Some(t) => t,
        None => file_name(src)?,
    };
    set(IMAGE_TITLE, &title);
    if kind == ArtifactKind::Model {
        set(PACKAGING, "modelpack");
        if let Some(v) = config
            .pointer("/descriptor/version")
            .and_then(Value::as_str)
        {
            set(IMAGE_VERSION, v);
        }
        if let Some(c) = config
            .pointer("/descriptor/createdAt")
            .and_then(Value::as_str)
        {
            set(IMAGE_CREATED, c);
        }
        if let Some(l) = config
            .pointer("/descriptor/licenses")
            .and_then(Value::as_array)
        {
            let l: Vec<&str> = l.iter().filter_map(Value::as_str).collect();
            if !l.is_empty() {
                set(IMAGE_LICENSES, &l.join(" AND "));
            }
        }
    }
    for (k, v) in &metadata.annotations {
        a.insert(k.clone(), v.clone());
    }
    for (k, v) in &opts.annotations {
        a.insert(k.clone(), v.clone());
    }
    Ok(a)
}

/// Add (or replace) the descriptor tagged `tag` in the layout's `index.json`, written
/// atomically; write `oci-layout`.
fn write_index(layout: &Path, tag: &str, digest: &Digest, size: u64) -> Result<()> {
    let index_path = layout.join("index.json");
    let mut manifests: Vec<Value> = match fs::read(&index_path) {
        Ok(b) => {
            let v: Value = serde_json::from_slice(&b).map_err(|source| PackError::NotJson {
                path: index_path.display().to_string(),
                source,
            })?;
            v.get("manifests")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(source) => {
            return Err(PackError::At {
                at: index_path.display().to_string(),
                source,
            });
        }
    };
    manifests.retain(|m| {
        m.pointer("/annotations/org.opencontainers.image.ref.name")
            .and_then(Value::as_str)
            != Some(tag)
    });
    manifests.push(json!({
        "mediaType": OCI_MANIFEST,
        "digest": digest.to_string(),
        "size": size,
        "annotations": {REF_NAME: tag},
    }));
    let index = json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": manifests,
    });
    write_atomic(
        &layout.join("oci-layout"),
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )?;
    write_atomic(&index_path, &serde_json::to_vec(&index)?)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| PackError::Refused("a file in a directory".into()))?;
    let tmp = dir.join(super::blobs::unique_name(".tmp-"));
    fs::write(&tmp, bytes)?;
    fs::rename(&tmp, path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })?;
    Ok(())
}
