//! MPK-*: the mapping of models onto CNCF ModelPack.

use super::annotations::non_model_type;
use super::layout::show;
use super::support::{
    annotation, annotation_pointer, is_media_type, layer_annotations, layer_count, layer_filepath,
    layer_media_type, manifest_object,
};
use super::{Check, CheckContext, Marks, variants};
use crate::artifact::{Artifact, EntryKind, Packing};
use crate::digest::Digest;
use crate::model::Location;
use crate::schemas::{SchemaKind, validate};
use crate::vocabulary::{
    FILE_METADATA, FILEPATH, LEGACY_FILE_METADATA, LEGACY_MODEL_ANNOTATION_PREFIX,
    LEGACY_MODEL_CONFIG, LEGACY_MODEL_LAYER_PREFIX, LEGACY_MODEL_MANIFEST, LEGACY_UNTESTED,
    MODEL_ANNOTATION_PREFIX, MODEL_CONFIG, MODEL_LAYER_PREFIX, MODEL_MANIFEST, PACKAGING_VERSION,
    UNTESTED,
};
use serde_json::Value;

const KINDS: &[&str] = &["weight", "weight.config", "doc", "code", "dataset"];
const PACKINGS: &[&str] = &["raw", "tar", "tar+gzip", "tar+zstd"];
const PRECISIONS: &[&str] = &[
    "float32",
    "float64",
    "float16",
    "bfloat16",
    "float8_e4m3",
    "float8_e5m2",
    "complex32",
    "complex64",
    "complex128",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "bool",
];

pub(crate) const CHECKS: &[Check] = &[
    Check {
        id: "modelpack.types",
        title: "ModelPack artifactType, config and layer media types; legacy names",
        covers: &["MPK-001", "MPK-002", "MPK-006", "MPK-011", "MPK-015"],
        run: types,
    },
    Check {
        id: "modelpack.config",
        title: "The ModelPack config validates and its diffIds match the layers",
        covers: &["MPK-003", "MPK-004", "MPK-005", "MPK-013", "MPK-016"],
        run: config,
    },
    Check {
        id: "modelpack.files",
        title: "Layer file paths and file metadata",
        covers: &[
            "MPK-007", "MPK-008", "MPK-009", "MPK-010", "MPK-012", "MPK-014",
        ],
        run: files,
    },
];

/// A ModelPack layer media type split into (legacy, kind, packing).
pub(crate) fn parse_layer_type(t: &str) -> Option<(bool, &str, &str)> {
    let (legacy, rest) = if let Some(r) = t.strip_prefix(MODEL_LAYER_PREFIX) {
        (false, r)
    } else {
        (true, t.strip_prefix(LEGACY_MODEL_LAYER_PREFIX)?)
    };
    let (kind, packing) = rest.split_once(".v1.")?;
    (KINDS.contains(&kind) && PACKINGS.contains(&packing)).then_some((legacy, kind, packing))
}

/// Whether the MPK requirements apply: every artifact except those typed as a reserved
/// (non-model) kind.
fn applies(a: &Artifact, covers: &[&'static str], m: &mut Marks) -> bool {
    if manifest_object(a).is_none() {
        m.all_not_applicable(covers, "the manifest is not a JSON object");
        return false;
    }
    if let Some(t) = non_model_type(a) {
        m.all_not_applicable(covers, &format!("the artifact is a {t}, not a model"));
        return false;
    }
    true
}

fn types(a: &CheckContext, m: &mut Marks) {
    if !applies(a, CHECKS[0].covers, m) {
        return;
    }
    let obj = manifest_object(a).expect("checked by applies");
    match obj.get("artifactType").and_then(Value::as_str) {
        None => m.not_applicable("MPK-001", "the manifest has no artifactType (MAN-005)"),
        Some(MODEL_MANIFEST) => {}
        Some(LEGACY_MODEL_MANIFEST) => m.fail(
            "MPK-011",
            Location::manifest("/artifactType"),
            format!("artifactType uses the legacy name; write {MODEL_MANIFEST}"),
        ),
        Some(t) => m.fail_named(
            "MPK-001",
            Location::manifest("/artifactType"),
            format!("a model's artifactType must be {MODEL_MANIFEST}, found {t:?}"),
            variants::artifact_type(t),
        ),
    }
    match obj
        .get("config")
        .and_then(|c| c.get("mediaType"))
        .and_then(Value::as_str)
    {
        None => m.not_applicable("MPK-002", "the config descriptor has no mediaType"),
        Some(MODEL_CONFIG) => {}
        Some(LEGACY_MODEL_CONFIG) => m.fail(
            "MPK-011",
            Location::manifest("/config/mediaType"),
            format!("the config uses the legacy media type; write {MODEL_CONFIG}"),
        ),
        Some(t) => m.fail_named(
            "MPK-002",
            Location::manifest("/config/mediaType"),
            format!("a model's config mediaType must be {MODEL_CONFIG}, found {t:?}"),
            variants::config_type(t),
        ),
    }
    for i in 0..layer_count(a) {
        // A missing or malformed media type is DSC-006's finding, not this one's.
        let Some(t) = layer_media_type(a, i).filter(|t| is_media_type(t)) else {
            continue;
        };
        let at = Location::manifest(format!("/layers/{i}/mediaType"));
        match parse_layer_type(t) {
            None => {
                let msg = format!(
                    "{t:?} is not a ModelPack layer type ({MODEL_LAYER_PREFIX}<weight|weight.config|doc|code|dataset>.v1.<raw|tar|tar+gzip|tar+zstd>)"
                );
                m.fail_named("MPK-006", at, msg, variants::layer_type(t));
            }
            Some((legacy, kind, packing)) => {
                if legacy {
                    m.fail(
                        "MPK-011",
                        at.clone(),
                        format!(
                            "{t:?} is a legacy name; write {MODEL_LAYER_PREFIX}{kind}.v1.{packing}"
                        ),
                    );
                }
                if kind == "weight" && packing.contains('+') {
                    m.fail(
                        "MPK-015",
                        at,
                        format!("weight layer is compressed ({packing}); weights should be stored uncompressed"),
                    );
                }
            }
        }
        if let Some(o) = layer_annotations(a, i).and_then(Value::as_object) {
            for k in o
                .keys()
                .filter(|k| k.starts_with(LEGACY_MODEL_ANNOTATION_PREFIX))
            {
                m.fail(
                    "MPK-011",
                    Location::manifest(annotation_pointer(&format!("/layers/{i}"), k)),
                    format!(
                        "{k:?} is a legacy annotation; write {MODEL_ANNOTATION_PREFIX}{}",
                        &k[LEGACY_MODEL_ANNOTATION_PREFIX.len()..]
                    ),
                );
            }
        }
    }
}

/// The ModelPack rule sets the profile carries for the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ModelpackRules {
    /// model-spec release v0.0.7: declared `v0.0.7`, or no version declared.
    V007,
    /// model-spec main as tracked (commit d78bf32, 2026-06-08): any declared version after v0.0.7.
    Main,
}

impl ModelpackRules {
    pub(crate) fn schema(self) -> SchemaKind {
        match self {
            ModelpackRules::V007 => SchemaKind::ModelpackConfigV007,
            ModelpackRules::Main => SchemaKind::ModelpackConfig,
        }
    }
    pub(crate) fn name(self) -> &'static str {
        match self {
            ModelpackRules::V007 => "model-spec v0.0.7",
            ModelpackRules::Main => "model-spec main (d78bf32)",
        }
    }
}

/// The oldest ModelPack release whose config rules the profile carries.
const OLDEST_RULES: semver::Version = semver::Version::new(0, 0, 7);

/// The rules a declared ModelPack version selects (`org.cncf.ai.packaging.version`): a
/// `v`-prefixed SemVer 2.0.0 version as Go modules write model-spec's (`v0.0.7`, or a
/// pseudo-version such as `v0.0.8-0.20260608093608-d78bf3231b4f`). `v0.0.7` (build metadata
/// ignored) selects v0.0.7; anything later selects main; anything else is refused with the reason.
pub(crate) fn rules_for_version(declared: &str) -> Result<ModelpackRules, String> {
    let Some(bare) = declared.strip_prefix('v') else {
        return Err(format!(
            "{declared:?} is not a model-spec version: write it as Go modules do, with a leading v (e.g. \"v0.0.7\")"
        ));
    };
    let version = semver::Version::parse(bare)
        .map_err(|e| format!("{declared:?} is not a model-spec version (v + SemVer 2.0.0): {e}"))?;
    let core = semver::Version::new(version.major, version.minor, version.patch);
    if version < OLDEST_RULES {
        Err(format!(
            "{declared:?} is earlier than v0.0.7, the oldest ModelPack release whose config rules this profile carries"
        ))
    } else if core == OLDEST_RULES && version.pre.is_empty() {
        Ok(ModelpackRules::V007)
    } else {
        Ok(ModelpackRules::Main)
    }
}

/// What an artifact declares about its ModelPack version.
enum Declared {
    /// Nothing: it is judged by v0.0.7.
    Absent,
    /// A usable version and the rules it selects.
    Rules(ModelpackRules, String),
    /// A version the profile cannot judge by (MPK-016 fails).
    Unusable,
}

/// MPK-016: read and judge the artifact's ModelPack version declaration.
fn declared_rules(a: &Artifact, m: &mut Marks) -> Declared {
    let ann = super::support::manifest_annotations(a);
    let Some(v) = annotation(ann, PACKAGING_VERSION) else {
        m.not_applicable(
            "MPK-016",
            format!("{PACKAGING_VERSION} is absent: the config is judged by model-spec v0.0.7"),
        );
        return Declared::Absent;
    };
    match rules_for_version(v) {
        Ok(rules) => {
            m.pass("MPK-016");
            Declared::Rules(rules, v.to_string())
        }
        Err(why) => {
            m.fail(
                "MPK-016",
                Location::manifest(annotation_pointer("", PACKAGING_VERSION)),
                why,
            );
            Declared::Unusable
        }
    }
}

fn config(a: &CheckContext, m: &mut Marks) {
    if !applies(a, CHECKS[1].covers, m) {
        return;
    }
    let declared = declared_rules(a, m);
    let Some(doc) = a.config.as_ref().and_then(|c| c.document.as_ref()) else {
        m.all_not_applicable(CHECKS[1].covers, "the config blob could not be read");
        return;
    };
    let cfg = match &doc.json {
        Err(e) => {
            m.fail(
                "MPK-003",
                Location::document("config"),
                format!("the config is not JSON: {e}"),
            );
            for r in ["MPK-004", "MPK-005", "MPK-013"] {
                m.not_applicable(r, "the config is not JSON");
            }
            return;
        }
        Ok(v) => v,
    };
    match &declared {
        Declared::Unusable => m.not_applicable(
            "MPK-003",
            "the declared ModelPack version is unusable (MPK-016), so no rule set applies",
        ),
        Declared::Absent => schema_marks(cfg, ModelpackRules::V007, "no version declared", m),
        Declared::Rules(rules, v) => schema_marks(cfg, *rules, &format!("declared {v}"), m),
    }

    let params = cfg.get("config");
    match params.and_then(|p| p.get("paramSize")).and_then(Value::as_str) {
        None => m.not_applicable("MPK-013", "config.paramSize is absent"),
        Some(s) if is_param_size(s) => m.pass("MPK-013"),
        Some(s) => m.fail(
            "MPK-013",
            Location::config("/config/paramSize"),
            format!("paramSize {s:?} should be a number with at most one decimal and a K/M/B/T/Q scale, e.g. \"1.5B\""),
        ),
    }
    if let Some(p) = params
        .and_then(|p| p.get("precision"))
        .and_then(Value::as_str)
    {
        m.pass("MPK-013");
        for item in p.split(',').filter(|i| !PRECISIONS.contains(i)) {
            m.fail(
                "MPK-013",
                Location::config("/config/precision"),
                format!("precision {item:?} is not a ModelPack precision name"),
            );
        }
    }

    let Some(diff_ids) = cfg
        .get("modelfs")
        .and_then(|f| f.get("diffIds"))
        .and_then(Value::as_array)
        .filter(|d| d.iter().all(Value::is_string))
    else {
        m.not_applicable(
            "MPK-004",
            "modelfs.diffIds is not an array of strings (MPK-003)",
        );
        m.not_applicable(
            "MPK-005",
            "modelfs.diffIds is not an array of strings (MPK-003)",
        );
        return;
    };
    let layers = layer_count(a);
    if layers == 0 {
        m.not_applicable("MPK-004", "the manifest has no layers (MAN-007)");
        m.not_applicable("MPK-005", "the manifest has no layers (MAN-007)");
        return;
    }
    if diff_ids.len() != layers {
        m.fail(
            "MPK-004",
            Location::config("/modelfs/diffIds"),
            format!(
                "modelfs.diffIds has {} entries for {layers} layers",
                diff_ids.len()
            ),
        );
    }
    for (i, d) in diff_ids.iter().enumerate() {
        let s = d.as_str().unwrap_or_default();
        let at = Location::config(format!("/modelfs/diffIds/{i}"));
        let declared = match Digest::parse(s) {
            Ok(dg) if dg.algorithm() == "sha256" => dg,
            Ok(_) | Err(_) => {
                m.fail(
                    "MPK-004",
                    at,
                    format!("diffId {s:?} is not a sha256 digest"),
                );
                m.not_applicable("MPK-005", format!("diffId {i} is not a sha256 digest"));
                continue;
            }
        };
        if diff_ids.len() != layers {
            m.not_applicable("MPK-005", "diffIds and layers differ in number (MPK-004)");
            continue;
        }
        compare_diff_id(a, i, &declared, at, m);
    }
}

/// MPK-003 under one rule set; when the other rule set would accept the config, the message says
/// so, since the difference is then only which ModelPack version the artifact follows.
fn schema_marks(cfg: &Value, rules: ModelpackRules, how: &str, m: &mut Marks) {
    let violations = validate(rules.schema(), cfg);
    if violations.is_empty() {
        return;
    }
    let other = match rules {
        ModelpackRules::V007 => ModelpackRules::Main,
        ModelpackRules::Main => ModelpackRules::V007,
    };
    let hint = if !validate(other.schema(), cfg).is_empty() {
        String::new()
    } else if rules == ModelpackRules::V007 {
        format!(
            " (the config follows {}: declare it with {PACKAGING_VERSION}, e.g. a model-spec pseudo-version after v0.0.7)",
            other.name()
        )
    } else {
        format!(
            " ({} would accept it: the artifact declares a later ModelPack than it follows)",
            other.name()
        )
    };
    for v in violations.into_iter().take(20) {
        let note = main_change_note(rules, &v.instance_pointer);
        m.fail(
            "MPK-003",
            Location::config(&v.instance_pointer),
            format!("{}, {how}: {}{note}{hint}", rules.name(), v.message),
        );
    }
}

/// What model-spec main changed at a config location, for a violation there under main's rules.
fn main_change_note(rules: ModelpackRules, pointer: &str) -> &'static str {
    if rules != ModelpackRules::Main {
        return "";
    }
    match pointer {
        "/config/capabilities/embedding" => {
            "; model-spec main removed v0.0.7's embedding flag: an embedding model lists \"embedding\" in outputTypes"
        }
        "/config/capabilities/reward" => "; model-spec main types reward as a boolean",
        "/descriptor/datasetsURL" => "; datasetsURL is an array of strings",
        p if p.starts_with("/config/capabilities/languages") => {
            "; languages are ISO 639-1 two-letter lowercase codes, e.g. \"en\""
        }
        _ => "",
    }
}

fn compare_diff_id(a: &Artifact, i: usize, declared: &Digest, at: Location, m: &mut Marks) {
    let Some(layer) = a.layers.get(i) else {
        return;
    };
    let Ok(blob) = &layer.blob else {
        m.not_applicable("MPK-005", format!("layer {i}'s blob is not available"));
        return;
    };
    let declared_blob = layer_descriptor_digest(a, i);
    if declared_blob.as_deref() != Some(blob.digest.to_string().as_str()) {
        m.not_applicable(
            "MPK-005",
            format!("layer {i}'s bytes do not match its digest (DSC-004)"),
        );
        return;
    }
    match &layer.content.diff_id {
        None => m.not_applicable(
            "MPK-005",
            format!("layer {i}'s uncompressed content could not be determined"),
        ),
        Some(actual) if actual == declared => m.pass("MPK-005"),
        Some(actual) => m.fail(
            "MPK-005",
            at,
            format!("diffId is {declared} but layer {i}'s uncompressed content hashes to {actual}"),
        ),
    }
}

fn layer_descriptor_digest(a: &Artifact, i: usize) -> Option<String> {
    manifest_object(a)?
        .get("layers")?
        .get(i)?
        .get("digest")?
        .as_str()
        .map(str::to_string)
}

fn is_param_size(s: &str) -> bool {
    let Some(scale) = s.chars().last() else {
        return false;
    };
    if !"KMBTQkmbtq".contains(scale) {
        return false;
    }
    let num = &s[..s.len() - 1];
    let (int, frac) = num
        .split_once('.')
        .map_or((num, None), |(i, f)| (i, Some(f)));
    !int.is_empty()
        && int.bytes().all(|c| c.is_ascii_digit())
        && frac.is_none_or(|f| f.len() == 1 && f.bytes().all(|c| c.is_ascii_digit()))
}

/// Why a file path is not a safe relative path, if it is not.
pub(crate) fn unsafe_path_reason(p: &str) -> Option<&'static str> {
    if p.is_empty() {
        Some("it is empty")
    } else if p.starts_with('/') {
        Some("it is absolute")
    } else if p.contains('\\') {
        Some("it contains a backslash")
    } else if p.chars().any(char::is_control) {
        Some("it contains a NUL or control character")
    } else if p.ends_with('/') {
        Some("it ends with /")
    } else if p.split('/').any(|s| s == "..") {
        Some("it contains a .. segment")
    } else if p.split('/').any(|s| s == "." || s.is_empty()) {
        Some("it contains a . or empty segment")
    } else {
        None
    }
}

fn files(a: &CheckContext, m: &mut Marks) {
    if !applies(a, CHECKS[2].covers, m) {
        return;
    }
    let mut seen: Vec<(&str, usize)> = Vec::new();
    let mut any_metadata = false;
    let mut any_untested = false;
    for i in 0..layer_count(a) {
        let base = format!("/layers/{i}");
        let ann = layer_annotations(a, i);
        match layer_filepath(a, i) {
            None => m.fail(
                "MPK-007",
                Location::manifest(annotation_pointer(&base, FILEPATH)),
                format!("the layer has no {FILEPATH} annotation; consumers cannot place its file"),
            ),
            Some((p, _legacy)) => {
                let at = Location::manifest(annotation_pointer(&base, FILEPATH));
                if let Some(why) = unsafe_path_reason(p) {
                    m.fail(
                        "MPK-008",
                        at.clone(),
                        format!("filepath {p:?} is unsafe: {why}"),
                    );
                }
                if let Some((_, first)) = seen.iter().find(|(q, _)| *q == p) {
                    m.fail(
                        "MPK-009",
                        at,
                        format!("filepath {p:?} is also used by layer {first}"),
                    );
                } else {
                    seen.push((p, i));
                }
            }
        }
        let untested = annotation(ann, UNTESTED).or_else(|| annotation(ann, LEGACY_UNTESTED));
        if let Some(v) = untested {
            any_untested = true;
            if v != "true" && v != "false" {
                m.fail(
                    "MPK-012",
                    Location::manifest(annotation_pointer(&base, UNTESTED)),
                    format!("{UNTESTED} must be \"true\" or \"false\", found {v:?}"),
                );
            }
        }
        let meta = annotation(ann, FILE_METADATA).or_else(|| annotation(ann, LEGACY_FILE_METADATA));
        if let Some(raw) = meta {
            any_metadata = true;
            check_metadata(a, i, raw, m);
        }
    }
    if seen.is_empty() {
        m.not_applicable("MPK-008", "no layer has a filepath");
        m.not_applicable("MPK-009", "no layer has a filepath");
    }
    if !any_metadata {
        m.not_applicable("MPK-010", "no layer carries file metadata");
        m.not_applicable("MPK-014", "no layer carries file metadata");
    }
    if !any_untested {
        m.not_applicable("MPK-012", format!("no layer carries {UNTESTED}"));
    }
}

fn check_metadata(a: &Artifact, i: usize, raw: &str, m: &mut Marks) {
    let at = Location::manifest(annotation_pointer(&format!("/layers/{i}"), FILE_METADATA));
    let meta: Value = match serde_json::from_str(raw) {
        Ok(v) => v,
        Err(e) => {
            m.fail("MPK-010", at, format!("file metadata is not JSON: {e}"));
            m.not_applicable("MPK-014", format!("layer {i}'s file metadata is invalid"));
            return;
        }
    };
    let violations = validate(SchemaKind::FileMetadata, &meta);
    if !violations.is_empty() {
        for v in violations.into_iter().take(10) {
            m.fail(
                "MPK-010",
                at.clone(),
                format!(
                    "file metadata {}: {}",
                    if v.instance_pointer.is_empty() {
                        "/"
                    } else {
                        &v.instance_pointer
                    },
                    v.message
                ),
            );
        }
        m.not_applicable("MPK-014", format!("layer {i}'s file metadata is invalid"));
        return;
    }
    consistency(a, i, &meta, &at, m);
}

/// MPK-014: the metadata describes the file the layer really holds.
fn consistency(a: &Artifact, i: usize, meta: &Value, at: &Location, m: &mut Marks) {
    let size = meta.get("size").and_then(Value::as_u64);
    let typeflag = meta.get("typeflag").and_then(Value::as_u64);
    let Some(layer) = a.layers.get(i) else { return };
    let Ok(blob) = &layer.blob else {
        m.not_applicable("MPK-014", format!("layer {i}'s blob is not available"));
        return;
    };
    let (actual_size, is_dir) = match layer.content.packing {
        Some(Packing::Raw) => (Some(blob.size), false),
        Some(Packing::Tar | Packing::TarGzip | Packing::TarZstd) => {
            let tar = layer.content.tar.as_ref();
            match tar.and_then(|t| t.named.as_ref()) {
                Some(e) if e.kind == EntryKind::Directory => (None, true),
                Some(e) => (Some(e.size), false),
                None if tar.is_some_and(|t| t.named_has_children) => (None, true),
                None => {
                    m.not_applicable("MPK-014", format!("layer {i} does not hold the named file"));
                    return;
                }
            }
        }
        _ => {
            m.not_applicable("MPK-014", format!("layer {i}'s packing is unknown"));
            return;
        }
    };
    m.pass("MPK-014");
    let want_flag = if is_dir { 5 } else { 0 };
    if typeflag != Some(want_flag) {
        m.fail(
            "MPK-014",
            at.clone().with_pointer(format!(
                "{}#/typeflag",
                at.pointer.clone().unwrap_or_default()
            )),
            format!(
                "typeflag is {}, but the layer holds a {} (typeflag {want_flag})",
                show(meta.get("typeflag")),
                if is_dir { "directory" } else { "file" }
            ),
        );
    }
    if let (Some(actual), Some(declared)) = (actual_size, size)
        && actual != declared
    {
        m.fail(
            "MPK-014",
            at.clone(),
            format!("file metadata says size {declared}, the file has {actual} bytes"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("1.5B", true)]
    #[case("70b", true)]
    #[case("100m", true)]
    #[case("1.25B", false)]
    #[case("B", false)]
    #[case("1.5", false)]
    #[case("1.5X", false)]
    fn param_size(#[case] s: &str, #[case] ok: bool) {
        assert_eq!(is_param_size(s), ok, "{s}");
    }

    #[rstest]
    #[case("model.safetensors", None)]
    #[case("weights/part-1.bin", None)]
    #[case("/abs", Some("it is absolute"))]
    #[case("a/../b", Some("it contains a .. segment"))]
    #[case("a\\b", Some("it contains a backslash"))]
    #[case("a//b", Some("it contains a . or empty segment"))]
    #[case("./a", Some("it contains a . or empty segment"))]
    #[case("dir/", Some("it ends with /"))]
    #[case("", Some("it is empty"))]
    #[case("a\0b", Some("it contains a NUL or control character"))]
    fn paths(#[case] p: &str, #[case] why: Option<&str>) {
        assert_eq!(unsafe_path_reason(p), why, "{p:?}");
    }

    #[rstest]
    #[case("v0.0.7", Some(ModelpackRules::V007))]
    #[case("v0.0.7+build.5", Some(ModelpackRules::V007))]
    #[case("v0.0.8", Some(ModelpackRules::Main))]
    #[case("v0.0.8-0.20260608093608-d78bf3231b4f", Some(ModelpackRules::Main))]
    #[case("v0.0.8-0.20251029035601-816c546bfd6b", Some(ModelpackRules::Main))]
    #[case("v1.0.0", Some(ModelpackRules::Main))]
    #[case("v0.0.7-rc.1", None)]
    #[case("v0.0.6", None)]
    #[case("0.0.7", None)]
    #[case("v0.0", None)]
    #[case("latest", None)]
    #[case("", None)]
    fn versions_select_rules(#[case] declared: &str, #[case] rules: Option<ModelpackRules>) {
        assert_eq!(rules_for_version(declared).ok(), rules, "{declared:?}");
    }

    #[test]
    fn layer_types() {
        assert_eq!(
            parse_layer_type(&format!("{MODEL_LAYER_PREFIX}weight.config.v1.tar+zstd")),
            Some((false, "weight.config", "tar+zstd"))
        );
        assert_eq!(
            parse_layer_type(&format!("{LEGACY_MODEL_LAYER_PREFIX}doc.v1.raw")),
            Some((true, "doc", "raw"))
        );
        assert_eq!(
            parse_layer_type("application/vnd.cncf.model.weight.v1.raw+gzip"),
            None
        );
        assert_eq!(
            parse_layer_type("application/vnd.cncf.model.weight.v1.gguf"),
            None
        );
    }
}
