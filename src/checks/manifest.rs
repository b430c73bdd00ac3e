//! MAN-*: the manifest document.

use super::layout::show;
use super::support::{descriptors, is_media_type, manifest_object};
use super::{Check, CheckContext, Marks};
use crate::model::{Location, pointer_token};
use crate::vocabulary::{OCI_ANNOTATION_PREFIX, OCI_INDEX, OCI_MANIFEST};
use serde_json::Value;

pub(crate) const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;

/// The `org.opencontainers.image.` suffixes the OCI image specification defines.
const OCI_KEYS: &[&str] = &[
    "created",
    "authors",
    "url",
    "documentation",
    "source",
    "version",
    "revision",
    "vendor",
    "licenses",
    "ref.name",
    "title",
    "description",
    "base.digest",
    "base.name",
];

pub const CHECKS: &[Check] = &[
    Check {
        id: "manifest.document",
        title: "The manifest is a UTF-8 JSON object within the size limit",
        covers: &["MAN-001", "MAN-002"],
        run: document,
    },
    Check {
        id: "manifest.structure",
        title: "schemaVersion, mediaType, artifactType, config, layers and subject",
        covers: &[
            "MAN-003", "MAN-004", "MAN-005", "MAN-006", "MAN-007", "MAN-010",
        ],
        run: structure,
    },
    Check {
        id: "manifest.annotations",
        title: "Annotation maps hold strings; OCI keys are the ones OCI defines",
        covers: &["MAN-008", "MAN-009"],
        run: annotation_maps,
    },
];

fn document(a: &CheckContext, m: &mut Marks) {
    if a.manifest.size > MAX_MANIFEST_BYTES {
        m.fail(
            "MAN-002",
            Location::document("manifest"),
            format!(
                "the manifest has {} bytes, more than the 4 MiB ({MAX_MANIFEST_BYTES} bytes) limit",
                a.manifest.size
            ),
        );
    }
    match &a.manifest.json {
        Err(e) if a.manifest.bytes.is_none() => m.error(
            "MAN-001",
            Location::document("manifest"),
            format!("the manifest was not parsed: {e}"),
        ),
        Err(e) => m.fail("MAN-001", Location::document("manifest"), e.clone()),
        Ok(v) if !v.is_object() => m.fail(
            "MAN-001",
            Location::manifest(""),
            format!("the manifest must be a JSON object, found {}", kind(v)),
        ),
        Ok(_) => {}
    }
}

fn structure(a: &CheckContext, m: &mut Marks) {
    let Some(obj) = manifest_object(a) else {
        m.all_not_applicable(CHECKS[1].covers, "the manifest is not a JSON object");
        return;
    };
    if obj.get("schemaVersion") != Some(&Value::from(2)) {
        m.fail(
            "MAN-003",
            Location::manifest("/schemaVersion"),
            format!(
                "schemaVersion must be 2, found {}",
                show(obj.get("schemaVersion"))
            ),
        );
    }
    match obj.get("mediaType").and_then(Value::as_str) {
        Some(OCI_MANIFEST) => {}
        _ => m.fail(
            "MAN-004",
            Location::manifest("/mediaType"),
            format!(
                "mediaType must be {OCI_MANIFEST}, found {}",
                show(obj.get("mediaType"))
            ),
        ),
    }
    match obj.get("artifactType").and_then(Value::as_str) {
        Some(t) if is_media_type(t) => {}
        _ => {
            let at = Location::manifest("/artifactType");
            let msg = format!(
                "artifactType must be a media type naming the kind of AI artifact, found {}",
                show(obj.get("artifactType"))
            );
            // A known producer variant explains a missing artifactType by its config.
            let variant = obj
                .get("artifactType")
                .is_none()
                .then(|| obj.get("config")?.get("mediaType")?.as_str())
                .flatten()
                .and_then(super::variants::without_artifact_type);
            m.fail_named("MAN-005", at, msg, variant);
        }
    }
    if !obj.get("config").is_some_and(Value::is_object) {
        m.fail(
            "MAN-006",
            Location::manifest("/config"),
            format!(
                "config must be a descriptor object, found {}",
                show(obj.get("config"))
            ),
        );
    }
    match obj.get("layers") {
        Some(Value::Array(layers)) if !layers.is_empty() => {
            for (i, l) in layers.iter().enumerate() {
                if !l.is_object() {
                    m.fail(
                        "MAN-007",
                        Location::manifest(format!("/layers/{i}")),
                        format!("every layer must be a descriptor object, found {}", kind(l)),
                    );
                }
            }
        }
        other => m.fail(
            "MAN-007",
            Location::manifest("/layers"),
            format!(
                "layers must be an array of at least one descriptor, found {}",
                show(other)
            ),
        ),
    }
    match obj.get("subject") {
        None => m.not_applicable("MAN-010", "the manifest has no subject"),
        Some(s) => match s.get("mediaType").and_then(Value::as_str) {
            Some(OCI_MANIFEST | OCI_INDEX) => {}
            _ => m.fail(
                "MAN-010",
                Location::manifest("/subject/mediaType"),
                format!(
                    "subject must describe an OCI image manifest or index, found mediaType {}",
                    show(s.get("mediaType"))
                ),
            ),
        },
    }
}

fn annotation_maps(a: &CheckContext, m: &mut Marks) {
    let Some(obj) = manifest_object(a) else {
        m.all_not_applicable(CHECKS[2].covers, "the manifest is not a JSON object");
        return;
    };
    let mut maps = vec![("".to_string(), obj.get("annotations"))];
    for d in descriptors(a) {
        maps.push((d.pointer.clone(), d.value.get("annotations")));
    }
    for (base, map) in maps {
        let Some(map) = map else { continue };
        let at = format!("{base}/annotations");
        let Some(map) = map.as_object() else {
            m.fail(
                "MAN-008",
                Location::manifest(&at),
                format!("annotations must be an object, found {}", kind(map)),
            );
            continue;
        };
        for (k, v) in map {
            let key_at = format!("{at}/{}", pointer_token(k));
            if !v.is_string() {
                m.fail(
                    "MAN-008",
                    Location::manifest(&key_at),
                    format!(
                        "annotation {k:?} must have a string value, found {}",
                        kind(v)
                    ),
                );
            }
            if let Some(rest) = k.strip_prefix(OCI_ANNOTATION_PREFIX) {
                let known = rest
                    .strip_prefix("image.")
                    .is_some_and(|s| OCI_KEYS.contains(&s));
                if !known {
                    m.fail(
                        "MAN-009",
                        Location::manifest(&key_at),
                        format!(
                            "{k:?} is in the org.opencontainers namespace but is not a key the OCI image specification defines"
                        ),
                    );
                }
            }
        }
    }
}

pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
