//! LRA-*: LoRA adapters as artifacts (`spec/v1.0/lora.md`, provisional `lora` extension): the
//! adapter names its base model by `subject`, the base resolves in the same target and is a
//! model, and the adapter does not embed the base's weights. Strict: every requirement is
//! marked explicitly.

use super::modelpack::parse_layer_type;
use super::support::{annotation, is_kind, manifest_object};
use super::{Check, CheckContext, Marks};
use crate::artifact::Artifact;
use crate::evidence::SubjectRead;
use crate::model::Location;
use crate::vocabulary::{
    ARTIFACT_TYPE, LORA_ADAPTER, MODEL_KIND, MODEL_LAYER_PREFIX, OCI_MANIFEST,
};
use serde_json::Value;

pub(crate) const CHECKS: &[Check] = &[Check {
    id: "lora.base",
    title: "A LoRA adapter names a resolvable base model by subject and does not embed its weights",
    covers: &["LRA-001", "LRA-002", "LRA-003", "LRA-004", "LRA-005"],
    run: base,
}];

/// Whether a layer media type is a ModelPack `weight` layer (any packing, either namespace).
fn is_weight(media_type: &str) -> bool {
    parse_layer_type(media_type).is_some_and(|(_, kind, _)| kind == "weight")
}

/// `(index, mediaType, digest)` of every layer of a manifest.
fn layers(manifest: &Value) -> Vec<(usize, &str, &str)> {
    manifest
        .get("layers")
        .and_then(Value::as_array)
        .map(|ls| {
            ls.iter()
                .enumerate()
                .map(|(i, l)| {
                    let s = |k: &str| l.get(k).and_then(Value::as_str).unwrap_or("");
                    (i, s("mediaType"), s("digest"))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn base(a: &CheckContext, m: &mut Marks) {
    m.strict();
    let covers = CHECKS[0].covers;
    if !is_kind(a, LORA_ADAPTER, covers, m) {
        return;
    }
    let manifest = manifest_object(a).expect("checked by is_kind");
    let own = Value::Object(manifest.clone());

    // LRA-005: the adapter's own weights.
    if layers(&own).iter().any(|(_, t, _)| is_weight(t)) {
        m.pass("LRA-005");
    } else {
        m.fail(
            "LRA-005",
            Location::manifest("/layers"),
            format!("the adapter has no weight layer ({MODEL_LAYER_PREFIX}weight.v1.*) of its own"),
        );
    }

    let base_unknown = |m: &mut Marks, why: &str| {
        m.not_applicable("LRA-003", why);
        m.not_applicable("LRA-004", why);
    };
    // LRA-001: the subject descriptor.
    let subject = manifest.get("subject");
    let shape = match subject {
        None => Err("the adapter's manifest has no subject naming its base model".to_string()),
        Some(s) => match (
            s.get("mediaType").and_then(Value::as_str),
            s.get("digest").and_then(Value::as_str),
            s.get("size").and_then(Value::as_u64),
        ) {
            (Some(OCI_MANIFEST), Some(_), Some(_)) => Ok(()),
            (Some(OCI_MANIFEST), _, _) => {
                Err("the subject needs a digest string and a non-negative integer size".into())
            }
            (t, _, _) => Err(format!(
                "the subject's mediaType is {}, not {OCI_MANIFEST}: the base of an adapter is one model manifest",
                t.map_or("absent".to_string(), |t| format!("{t:?}"))
            )),
        },
    };
    if let Err(e) = shape {
        m.fail("LRA-001", Location::manifest("/subject"), e);
        m.not_applicable("LRA-002", "the adapter names no base manifest (LRA-001)");
        base_unknown(m, "the adapter names no base manifest (LRA-001)");
        return;
    }
    m.pass("LRA-001");

    // LRA-002: the base resolves in the same target.
    let Some(evidence) = a.evidence.as_ref() else {
        for r in ["LRA-002", "LRA-003", "LRA-004"] {
            m.error(
                r,
                Location::manifest("/subject"),
                "the subject was not looked up for this target (discovery did not run)",
            );
        }
        return;
    };
    let at = Location::manifest("/subject/digest");
    let base = match evidence.subject.as_ref().map(|s| &s.read) {
        None => {
            for r in ["LRA-002", "LRA-003", "LRA-004"] {
                m.error(r, at.clone(), "the subject was not looked up");
            }
            return;
        }
        Some(SubjectRead::Found(doc)) => doc,
        Some(SubjectRead::Absent(e) | SubjectRead::Mismatch(e)) => {
            m.fail(
                "LRA-002",
                at,
                format!("the base model does not resolve: {e}"),
            );
            base_unknown(m, "the base model does not resolve (LRA-002)");
            return;
        }
        Some(SubjectRead::Failed(e)) => {
            for r in ["LRA-002", "LRA-003", "LRA-004"] {
                m.error(
                    r,
                    at.clone(),
                    format!("the base model could not be read: {e}"),
                );
            }
            return;
        }
    };
    m.pass("LRA-002");

    // LRA-003: the base is a model manifest.
    let base_json = match &base.json {
        Ok(v) if v.is_object() => v,
        Ok(_) => {
            m.fail("LRA-003", at, "the base is not a JSON object");
            m.not_applicable("LRA-004", "the base is not a manifest (LRA-003)");
            return;
        }
        Err(e) => {
            m.fail("LRA-003", at, format!("the base does not parse: {e}"));
            m.not_applicable("LRA-004", "the base is not a manifest (LRA-003)");
            return;
        }
    };
    let kind = annotation(base_json.get("annotations"), ARTIFACT_TYPE);
    let is_manifest = base_json.get("mediaType").and_then(Value::as_str) == Some(OCI_MANIFEST);
    match (is_manifest, kind) {
        (true, Some(MODEL_KIND)) => m.pass("LRA-003"),
        (false, _) => m.fail(
            "LRA-003",
            at.clone(),
            format!(
                "the base {} is not an OCI image manifest",
                evidence_digest(a)
            ),
        ),
        (true, other) => m.fail(
            "LRA-003",
            at.clone(),
            format!(
                "the base {} says {ARTIFACT_TYPE}: {}, not {MODEL_KIND:?}",
                evidence_digest(a),
                other.map_or("(absent)".to_string(), |k| format!("{k:?}"))
            ),
        ),
    }

    // LRA-004: no layer of the adapter is a weight layer of the base.
    let base_weights: Vec<&str> = layers(base_json)
        .into_iter()
        .filter(|(_, t, d)| is_weight(t) && !d.is_empty())
        .map(|(_, _, d)| d)
        .collect();
    let mut embedded = false;
    for (i, _, digest) in layers(&own) {
        if base_weights.contains(&digest) {
            embedded = true;
            m.fail(
                "LRA-004",
                Location::layer(i).with_pointer(format!("/layers/{i}/digest")),
                format!(
                    "layer {i} ({digest}) is a weight layer of the base model: the adapter embeds its base's weights"
                ),
            );
        }
    }
    if !embedded {
        m.pass("LRA-004");
    }
}

/// The base's digest as the subject writes it, for messages.
fn evidence_digest(a: &Artifact) -> String {
    a.evidence
        .as_ref()
        .and_then(|e| e.subject.as_ref())
        .map_or_else(String::new, |s| s.digest.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Document;
    use crate::evidence::{EvidenceFacts, SubjectFacts};
    use serde_json::json;

    const W: &str = crate::vocabulary::MODEL_WEIGHT_RAW;
    const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    fn artifact(manifest: Value, read: Option<SubjectRead>) -> Artifact {
        let mut a = crate::checks::support::artifact_of(manifest);
        a.evidence = Some(EvidenceFacts {
            subject: read.map(|read| SubjectFacts {
                digest: D2.into(),
                read,
            }),
            ..Default::default()
        });
        a
    }

    fn adapter(layers: Value) -> Value {
        json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "annotations": {ARTIFACT_TYPE: LORA_ADAPTER},
            "layers": layers,
            "subject": {"mediaType": OCI_MANIFEST, "digest": D2, "size": 10},
        })
    }

    fn base_doc(kind: &str) -> SubjectRead {
        SubjectRead::Found(Document::from_bytes(
            serde_json::to_vec(&json!({
                "mediaType": OCI_MANIFEST,
                "annotations": {ARTIFACT_TYPE: kind},
                "layers": [{"mediaType": W, "digest": D1, "size": 1}],
            }))
            .unwrap(),
        ))
    }

    fn outcome(a: &Artifact) -> Vec<(&'static str, crate::model::Status)> {
        let mut m = Marks::default();
        let trust = Default::default();
        base(
            &CheckContext {
                artifact: a,
                trust: &trust,
            },
            &mut m,
        );
        CHECKS[0]
            .covers
            .iter()
            .map(|r| (*r, m.outcome(r)))
            .collect()
    }

    #[test]
    fn judges_the_link_to_the_base() {
        use crate::model::Status::{Fail, NotApplicable as Na, Pass};
        let own = json!([{"mediaType": W, "digest": D2, "size": 1}]);
        let ok = artifact(adapter(own.clone()), Some(base_doc("model")));
        assert!(outcome(&ok).iter().all(|(_, s)| *s == Pass));
        let stacked = artifact(adapter(own.clone()), Some(base_doc(LORA_ADAPTER)));
        assert_eq!(outcome(&stacked)[2], ("LRA-003", Fail));
        let embeds = json!([{"mediaType": W, "digest": D2, "size": 1}, {"mediaType": W, "digest": D1, "size": 1}]);
        let embedded = artifact(adapter(embeds), Some(base_doc("model")));
        assert_eq!(outcome(&embedded)[3], ("LRA-004", Fail));
        let absent = artifact(
            adapter(own.clone()),
            Some(SubjectRead::Absent("gone".into())),
        );
        assert_eq!(
            outcome(&absent),
            vec![
                ("LRA-001", Pass),
                ("LRA-002", Fail),
                ("LRA-003", Na),
                ("LRA-004", Na),
                ("LRA-005", Pass)
            ]
        );
        let mut no_subject = adapter(own);
        no_subject.as_object_mut().unwrap().remove("subject");
        assert_eq!(outcome(&artifact(no_subject, None))[0], ("LRA-001", Fail));
        let no_weights =
            json!([{"mediaType": crate::vocabulary::MODEL_DOC_RAW, "digest": D2, "size": 1}]);
        assert_eq!(
            outcome(&artifact(adapter(no_weights), Some(base_doc("model"))))[4],
            ("LRA-005", Fail)
        );
    }
}
