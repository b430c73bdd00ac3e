//! UPS-*: the rules of the upstream annotation draft that no requirement of the ladder states at
//! the draft's strength (spec/v1.0/upstream.md). They belong to the `cncf-annotations-draft`
//! profile only; the rest of that profile reuses the ladder's checks.

use super::annotations::non_model_type;
use super::support::{
    annotation, annotation_pointer, evidence_or_error, manifest_annotations, manifest_object,
    referrer_location,
};
use super::{Check, CheckContext, Marks};
use crate::model::Location;
use crate::vocabulary::{ARTIFACT_TYPE, MOF_CONFIG, SIGNING};
use serde_json::Value;

/// The artifact types the draft defines (it names others as future ones).
pub(crate) const DRAFT_ARTIFACT_TYPES: &[&str] = &["model"];
/// The signing frameworks the draft defines.
pub(crate) const DRAFT_SIGNING_FRAMEWORKS: &[&str] = &["sigstore", "notation"];

pub const CHECKS: &[Check] = &[
    Check {
        id: "upstream.values",
        title: "Artifact type and signing framework values as the upstream draft defines them",
        covers: &["UPS-001", "UPS-002"],
        run: values,
    },
    Check {
        id: "upstream.openness-config",
        title: "The model openness configuration file resolves from the manifest digest",
        covers: &["UPS-003"],
        run: openness_config,
    },
];

fn at(key: &str) -> Location {
    Location::manifest(annotation_pointer("", key))
}

fn values(a: &CheckContext, m: &mut Marks) {
    m.strict();
    let covers = CHECKS[0].covers;
    if manifest_object(a).is_none() {
        m.all_not_applicable(covers, "the manifest is not a JSON object");
        return;
    }
    let ann = manifest_annotations(a);
    let rules: [(&'static str, &str, &[&str], &str); 2] = [
        (
            "UPS-001",
            ARTIFACT_TYPE,
            DRAFT_ARTIFACT_TYPES,
            "the draft names other types as future ones; this contract's extensions define \
             some of them, but not under the draft's profile",
        ),
        (
            "UPS-002",
            SIGNING,
            DRAFT_SIGNING_FRAMEWORKS,
            "the reverse-DNS extension names this contract accepts are not the draft's",
        ),
    ];
    for (req, key, allowed, why) in rules {
        match annotation(ann, key) {
            None => m.not_applicable(req, format!("{key} is absent")),
            Some(v) if allowed.contains(&v) => m.pass(req),
            Some(v) => m.fail(
                req,
                at(key),
                format!(
                    "{key} is {v:?}; the upstream draft allows {} ({why})",
                    allowed.join(", ")
                ),
            ),
        }
    }
}

fn openness_config(a: &CheckContext, m: &mut Marks) {
    m.strict();
    let covers = CHECKS[1].covers;
    let Some(manifest) = manifest_object(a) else {
        m.all_not_applicable(covers, "the manifest is not a JSON object");
        return;
    };
    if let Some(t) = non_model_type(a) {
        m.not_applicable(
            "UPS-003",
            format!("the artifact is a {t}, not a model; the MOF describes models"),
        );
        return;
    }
    // A layer of the artifact, stored and matching its descriptor.
    let layers = manifest
        .get("layers")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut unresolved = Vec::new();
    for (i, d) in layers.iter().enumerate() {
        if d.get("mediaType").and_then(Value::as_str) != Some(MOF_CONFIG) {
            continue;
        }
        let digest = d.get("digest").and_then(Value::as_str);
        let size = d.get("size").and_then(Value::as_u64);
        match a.layers.get(i).map(|l| &l.blob) {
            Some(Ok(b))
                if Some(b.digest.to_string().as_str()) == digest && Some(b.size) == size =>
            {
                m.pass("UPS-003");
                return;
            }
            _ => unresolved.push(format!(
                "layer {i} is not stored as its descriptor names it"
            )),
        }
    }
    // A referrer of the manifest.
    let Some(ev) = evidence_or_error(a, covers, m) else {
        return;
    };
    for r in ev.of_type(MOF_CONFIG) {
        match r.blob(MOF_CONFIG).map(|b| &b.content) {
            Some(Ok(_)) => {
                m.pass("UPS-003");
                return;
            }
            Some(Err(e)) => unresolved.push(format!(
                "{}: {e}",
                referrer_location(r, None, "").document.unwrap_or_default()
            )),
            None => unresolved.push(format!(
                "referrer {} holds no layer of media type {MOF_CONFIG}",
                r.digest
            )),
        }
    }
    let mut message = format!(
        "no model openness configuration file resolves from the manifest digest: neither a \
         referrer nor a layer of media type {MOF_CONFIG} ({} referrer(s) in all)",
        ev.referrers.len()
    );
    if !unresolved.is_empty() {
        message.push_str(&format!("; unresolved: {}", unresolved.join("; ")));
    }
    m.fail("UPS-003", Location::manifest("/layers"), message);
}
