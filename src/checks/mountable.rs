//! MNT-*: mounting an artifact as a Kubernetes image volume (`spec/v1.0/mountable.md`), the way
//! CRI-O 1.36 mounts artifacts: each layer blob bind-mounted as one file, named by its
//! `org.opencontainers.image.title`, else its `org.cncf.model.filepath`. Strict: every
//! requirement is marked explicitly.

use super::modelpack::unsafe_path_reason;
use super::support::{annotation, layer_annotations, layer_media_type, manifest_object};
use super::{Check, CheckContext, Marks};
use crate::artifact::Packing;
use crate::model::Location;
use crate::names::path_bound;
use crate::vocabulary::{FILEPATH, IMAGE_TITLE};
use serde_json::Value;

pub(crate) const CHECKS: &[Check] = &[Check {
    id: "mountable.files",
    title: "Every layer mounts as one safely and uniquely named file",
    covers: &["MNT-001", "MNT-002", "MNT-003", "MNT-004", "MNT-005"],
    run: files,
}];

/// Whether the media type declares an archive or a compression (so the mounted file would not
/// be the file itself).
fn packed(media_type: &str) -> bool {
    match crate::inspect::packing_of(media_type) {
        Packing::Tar | Packing::TarGzip | Packing::TarZstd => true,
        Packing::Raw => false,
        Packing::Unknown => media_type
            .split_once('/')
            .map_or("", |(_, sub)| sub)
            .split(['.', '+'])
            .any(|t| matches!(t.to_ascii_lowercase().as_str(), "tar" | "gzip" | "zstd")),
    }
}

/// The name CRI-O mounts a layer's file by: the title when the key is present (even empty),
/// else the filepath.
pub(crate) fn mount_name(annotations: Option<&Value>) -> Option<&str> {
    let map = annotations?.as_object()?;
    match map.get(IMAGE_TITLE) {
        Some(v) => Some(v.as_str().unwrap_or("")),
        None => annotation(annotations, FILEPATH),
    }
}

fn files(a: &CheckContext, m: &mut Marks) {
    m.strict();
    let covers = CHECKS[0].covers;
    let Some(layers) = manifest_object(a)
        .and_then(|o| o.get("layers"))
        .and_then(Value::as_array)
    else {
        m.all_not_applicable(
            covers,
            "the target has no layers array: an image index is not mounted as such",
        );
        return;
    };
    if layers.is_empty() {
        m.all_not_applicable(covers, "the manifest has no layers");
        return;
    }
    let mut names: Vec<(usize, &str)> = Vec::new();
    for i in 0..layers.len() {
        let at = Location::layer(i);
        // MNT-001
        let media_type = layer_media_type(a, i).unwrap_or("");
        if packed(media_type) {
            m.fail(
                "MNT-001",
                at.clone().with_pointer(format!("/layers/{i}/mediaType")),
                format!(
                    "layer {i} is {media_type}: the runtime mounts the stored blob as it is, so the file would be an archive or compressed bytes"
                ),
            );
        } else {
            m.pass("MNT-001");
        }
        // MNT-002
        let ann = layer_annotations(a, i);
        let name = match mount_name(ann) {
            Some(n) if !n.is_empty() => n,
            Some(_) => {
                m.fail(
                    "MNT-002",
                    at.clone().with_pointer(format!("/layers/{i}/annotations")),
                    format!(
                        "layer {i} has an empty {IMAGE_TITLE}: CRI-O takes the title when the key is present and skips a layer whose name is empty, so its file is silently missing"
                    ),
                );
                continue;
            }
            None => {
                m.fail(
                    "MNT-002",
                    at.clone().with_pointer(format!("/layers/{i}/annotations")),
                    format!(
                        "layer {i} has neither {IMAGE_TITLE} nor {FILEPATH}: the runtime skips it and its file is missing"
                    ),
                );
                continue;
            }
        };
        m.pass("MNT-002");
        // MNT-003
        if let Some(why) = unsafe_path_reason(name) {
            m.fail(
                "MNT-003",
                at.clone(),
                format!("layer {i}'s name {name:?} is not a safe relative path: {why}"),
            );
        } else if let Some(bound) = path_bound(name) {
            m.fail(
                "MNT-003",
                at.clone(),
                format!(
                    "layer {i}'s name exceeds a file-system bound: {}",
                    bound
                        .to_string()
                        .replace(&format!(" ({})", bound.requirement()), "")
                ),
            );
        } else {
            m.pass("MNT-003");
        }
        // MNT-005
        match (annotation(ann, IMAGE_TITLE), annotation(ann, FILEPATH)) {
            (Some(t), Some(p)) if !t.is_empty() && t != p => m.fail(
                "MNT-005",
                at.clone(),
                format!(
                    "layer {i} is titled {t:?} but its filepath is {p:?}: a runtime that mounts puts the file at {t:?}, one that unpacks at {p:?}"
                ),
            ),
            _ => m.pass("MNT-005"),
        }
        names.push((i, name));
    }
    // MNT-004
    let mut clash = false;
    for (x, (i, a_name)) in names.iter().enumerate() {
        for (j, b_name) in names.iter().skip(x + 1) {
            let why = if a_name == b_name {
                Some(format!(
                    "layers {i} and {j} are both named {a_name:?}: one bind mount hides the other"
                ))
            } else if b_name.starts_with(&format!("{a_name}/"))
                || a_name.starts_with(&format!("{b_name}/"))
            {
                Some(format!(
                    "layer {i} is named {a_name:?} and layer {j} {b_name:?}: one name is a directory of the other, which cannot be both a file and a directory"
                ))
            } else {
                None
            };
            if let Some(why) = why {
                clash = true;
                m.fail("MNT-004", Location::layer(*j), why);
            }
        }
    }
    if !clash {
        m.pass("MNT-004");
    }
    for r in covers {
        if m.unmarked(r) {
            m.not_applicable(r, "no layer has a name to judge (MNT-002)");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::support::artifact_of;
    use crate::model::Status::{self, Fail, NotApplicable, Pass};
    use serde_json::json;

    fn outcomes(layers: Value) -> Vec<Status> {
        let a = artifact_of(json!({"layers": layers}));
        let mut m = Marks::default();
        let trust = Default::default();
        files(
            &super::CheckContext {
                artifact: &a,
                trust: &trust,
            },
            &mut m,
        );
        CHECKS[0].covers.iter().map(|r| m.outcome(r)).collect()
    }

    fn layer(media_type: &str, ann: Value) -> Value {
        json!({"mediaType": media_type, "annotations": ann})
    }

    const RAW: &str = crate::vocabulary::MODEL_WEIGHT_RAW;

    #[test]
    fn judges_names_as_cri_o_reads_them() {
        let ok = outcomes(json!([
            layer(RAW, json!({FILEPATH: "model.safetensors"})),
            layer(
                "text/plain",
                json!({IMAGE_TITLE: "tokenizer/vocab.json", FILEPATH: "tokenizer/vocab.json"})
            ),
        ]));
        assert_eq!(ok, vec![Pass; 5]);
        let tar = outcomes(json!([layer(
            &format!("{}doc.v1.tar", crate::vocabulary::MODEL_LAYER_PREFIX),
            json!({FILEPATH: "docs"})
        )]));
        assert_eq!(tar[0], Fail);
        assert_eq!(
            outcomes(json!([layer(
                "application/x-thing+zstd",
                json!({FILEPATH: "a"})
            )]))[0],
            Fail
        );
        // An empty title hides the filepath.
        let empty = outcomes(json!([layer(RAW, json!({IMAGE_TITLE: "", FILEPATH: "a"}))]));
        assert_eq!(empty, vec![Pass, Fail, NotApplicable, Pass, NotApplicable]);
        for bad in ["../a", "/etc/a", "a//b", "a/", &"n".repeat(256)] {
            assert_eq!(
                outcomes(json!([layer(RAW, json!({FILEPATH: bad}))]))[2],
                Fail,
                "{bad}"
            );
        }
        let dup = outcomes(json!([
            layer(RAW, json!({FILEPATH: "model"})),
            layer(RAW, json!({FILEPATH: "model/config.json"})),
        ]));
        assert_eq!(dup[3], Fail);
        let twice = outcomes(json!([
            layer(RAW, json!({IMAGE_TITLE: "a", FILEPATH: "a"})),
            layer(RAW, json!({IMAGE_TITLE: "a", FILEPATH: "b"})),
        ]));
        assert_eq!((twice[3], twice[4]), (Fail, Fail));
        assert_eq!(outcomes(json!([])), vec![NotApplicable; 5]);
    }
}
