//! Helpers shared by the agentic families (SKL, PRM, WFL): where a file inside an artifact is,
//! and how frontmatter problems become marks.

use super::Marks;
use crate::artifact::{CapturedFile, LayerFacts, Packing, TarIssue};
use crate::frontmatter::{AmbiguousBoolean, Parsed, YamlProblem};
use crate::model::Location;
use crate::schemas::{SchemaKind, validate};
use serde_json::Value;

/// Where a file lives: an entry of a layer of a packaged artifact, or a plain file given to
/// `ai-interop validate`.
#[derive(Debug, Clone)]
pub(crate) struct FileAt {
    pub layer: Option<usize>,
    pub path: String,
}

impl FileAt {
    pub(crate) fn location(&self) -> Location {
        match self.layer {
            Some(i) => Location::layer_entry(i, self.path.clone()),
            None => Location {
                document: Some("file".into()),
                entry: Some(self.path.clone()),
                ..Default::default()
            },
        }
    }
    pub(crate) fn at(&self, pointer: impl Into<String>) -> Location {
        self.location().with_pointer(pointer)
    }
}

/// The bytes of a captured file, fit for parsing: a file cut at the capture cap may end inside a
/// UTF-8 sequence, which is the cut's doing, not the file's.
pub(crate) fn usable_bytes(f: &CapturedFile) -> &[u8] {
    if !f.truncated {
        return &f.bytes;
    }
    match std::str::from_utf8(&f.bytes) {
        Err(e) if e.error_len().is_none() => &f.bytes[..e.valid_up_to()],
        _ => &f.bytes,
    }
}

/// Why a layer's content cannot be judged; `None` when it was read to the end.
pub(crate) fn unreadable(layer: &LayerFacts) -> Option<String> {
    let i = layer.index;
    let c = &layer.content;
    if layer.blob.is_err() {
        return Some(format!("layer {i}'s blob is not available"));
    }
    if let Some(reason) = &c.skipped {
        return Some(format!("layer {i}: {reason}"));
    }
    if c.compression_mismatch {
        return Some(format!("layer {i} is not packed as declared (LAY-001)"));
    }
    if c.bomb.is_some() {
        return Some(format!("layer {i} was not unpacked (LAY-008)"));
    }
    if c.decode_error.is_some() {
        return Some(format!("layer {i} does not decompress (LAY-002)"));
    }
    if matches!(
        c.packing,
        Some(Packing::Tar | Packing::TarGzip | Packing::TarZstd)
    ) {
        let Some(t) = &c.tar else {
            return Some(format!("layer {i}'s archive could not be read"));
        };
        if t.problems
            .iter()
            .any(|p| matches!(p.issue, TarIssue::Malformed(_)))
        {
            return Some(format!("layer {i}'s archive is malformed (LAY-002)"));
        }
    }
    None
}

/// Parse `bytes` with `parse`; on failure mark `req` failed at the file and return `None`.
pub(crate) fn parse_or_fail(
    m: &mut Marks,
    req: &'static str,
    file: &FileAt,
    what: &str,
    parsed: Result<Parsed, YamlProblem>,
) -> Option<Parsed> {
    match parsed {
        Ok(p) => Some(p),
        Err(e) => {
            m.fail(req, file.location(), format!("{what}: {e}"));
            None
        }
    }
}

/// Mark each YAML 1.1 boolean look-alike.
pub(crate) fn ambiguous_booleans(
    m: &mut Marks,
    req: &'static str,
    file: &FileAt,
    found: &[AmbiguousBoolean],
) {
    for b in found {
        m.fail(
            req,
            file.at(b.pointer.clone()),
            format!(
                "the plain scalar {:?} is a string in YAML 1.2 but a boolean in YAML 1.1; quote it (\"{}\") or write true/false",
                b.text, b.text
            ),
        );
    }
}

/// Mark each schema violation at its pointer.
pub(crate) fn schema(
    m: &mut Marks,
    req: &'static str,
    kind: SchemaKind,
    value: &Value,
    at: impl Fn(String) -> Location,
) {
    for v in validate(kind, value) {
        m.fail(
            req,
            at(v.instance_pointer.clone()),
            format!("{} ({})", v.message, kind.file_name()),
        );
    }
}

/// The media types one agentic kind requires: its artifactType, its config and its single layer.
pub(crate) struct KindTypes {
    /// How messages name the kind, e.g. "a skill".
    pub noun: &'static str,
    pub artifact: (&'static str, &'static str),
    pub config: (&'static str, &'static str),
    /// The requirement for the one layer, the media types it may have, and what it holds.
    pub layer: (&'static str, &'static [&'static str], &'static str),
    /// The largest layer the kind allows, when it is a single captured file.
    pub max_layer_bytes: Option<u64>,
}

/// Decide the artifactType, config media type and single-layer requirements of a kind.
pub(crate) fn check_types(a: &crate::artifact::Artifact, m: &mut Marks, t: &KindTypes) {
    use super::support::{artifact_type, config_media_type, layer_count, layer_media_type};
    let (noun, (art_req, art_type), (cfg_req, cfg_type)) = (t.noun, t.artifact, t.config);
    match artifact_type(a) {
        None => m.not_applicable(art_req, "the manifest has no artifactType (MAN-005)"),
        Some(found) if found == art_type => {}
        Some(found) => m.fail(
            art_req,
            Location::manifest("/artifactType"),
            format!("{noun}'s artifactType must be {art_type}, found {found:?}"),
        ),
    }
    match config_media_type(a) {
        None => m.not_applicable(cfg_req, "the config descriptor has no mediaType"),
        Some(found) if found == cfg_type => {}
        Some(found) => m.fail(
            cfg_req,
            Location::manifest("/config/mediaType"),
            format!("{noun}'s config mediaType must be {cfg_type}, found {found:?}"),
        ),
    }
    let (layer_req, layer_types, what) = t.layer;
    let n = layer_count(a);
    if n != 1 {
        m.fail(
            layer_req,
            Location::manifest("/layers"),
            format!("{noun} artifact has exactly one layer ({what}); found {n}"),
        );
    }
    for i in 0..n {
        match layer_media_type(a, i) {
            Some(found) if layer_types.contains(&found) => {}
            found => m.fail(
                layer_req,
                Location::manifest(format!("/layers/{i}/mediaType")),
                format!(
                    "{found:?} is not a {what} type ({})",
                    layer_types.join(", ")
                ),
            ),
        }
        if let (Some(max), Some(Ok(b))) = (t.max_layer_bytes, a.layers.get(i).map(|l| &l.blob))
            && b.size > max
        {
            m.fail(
                layer_req,
                Location::layer(i),
                format!(
                    "{what} is {} bytes, more than the {max} bytes allowed",
                    b.size
                ),
            );
        }
    }
}
