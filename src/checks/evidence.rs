//! EVD: evidence found as OCI 1.1 referrers of the artifact (`spec/v1.0/evidence.md`). These
//! checks judge discovery and attachment only — that what is listed belongs to the artifact, is
//! well formed and stored, and that every evidence annotation has a referrer; the signature and
//! SBOM families judge whether the evidence is genuine. Every check here is strict: it marks each
//! requirement it decides, so a requirement it forgot is an error, never a pass.

use super::support::{annotation, manifest_annotations};
use super::{Check, CheckContext, Marks};
use crate::artifact::Artifact;
use crate::evidence::{EvidenceFacts, Problem, Referrer, Via};
use crate::model::{Location, pointer_token};
use serde_json::Value;

pub const CHECKS: &[Check] = &[
    Check {
        id: "evidence.listing",
        title: "Listed referrers belong to the artifact",
        covers: &["EVD-001", "EVD-002"],
        run: listing,
    },
    Check {
        id: "evidence.referrers",
        title: "Referrer manifests are well formed and their blobs stored",
        covers: &["EVD-003", "EVD-004"],
        run: referrers,
    },
    Check {
        id: "evidence.claims",
        title: "The signing framework annotation has a referrer of its kind",
        covers: &["EVD-005"],
        run: claims,
    },
];

use crate::vocabulary::{
    COSIGN_SIGN_PREDICATE, NOTARY_SIGNATURE, OCI_EMPTY, PREDICATE_TYPE, SIGNING,
    SIGNING_MODEL_TRANSPARENCY, SIGSTORE_BUNDLE_PREFIX,
};

/// The discovered evidence, or an error mark on every listed requirement when discovery did not
/// run or could not complete.
pub fn facts<'a>(
    a: &'a Artifact,
    m: &mut Marks,
    ids: &[&'static str],
) -> Option<&'a EvidenceFacts> {
    let Some(facts) = a.evidence.as_ref() else {
        for id in ids {
            m.error(
                id,
                Location::default(),
                "evidence discovery did not run for this target",
            );
        }
        return None;
    };
    if let Some(e) = &facts.error {
        for id in ids {
            m.error(id, Location::default(), format!("evidence discovery: {e}"));
        }
    }
    Some(facts)
}

/// Where a referrer is, for findings: its digest and where it was listed.
pub fn location(r: &Referrer) -> Location {
    Location::document(&format!("referrer {} ({})", r.digest, r.via.describe()))
}

fn listing(a: &CheckContext, m: &mut Marks) {
    m.strict();
    let Some(facts) = facts(a, m, &["EVD-001", "EVD-002"]) else {
        return;
    };
    for r in &facts.rejected {
        let digest = r
            .descriptor
            .get("digest")
            .and_then(Value::as_str)
            .unwrap_or("(no digest)");
        let at = Location::document(&format!("{digest} in {}", r.via.describe()));
        match &r.problem {
            Problem::WrongSubject(_) => m.fail(
                "EVD-001",
                at,
                format!(
                    "listed as a referrer of {}, but {}; attach evidence to this manifest's digest",
                    a.manifest_digest, r.problem
                ),
            ),
            Problem::SelfReference | Problem::NotAManifest(_) => m.fail(
                "EVD-002",
                at,
                format!("listed as a referrer, but {}", r.problem),
            ),
            Problem::Unreadable(e) => m.error(
                "EVD-001",
                at,
                format!("a listed referrer cannot be read, so its subject is unknown: {e}"),
            ),
        }
    }
    m.pass("EVD-001");
    m.pass("EVD-002");
}

fn referrers(a: &CheckContext, m: &mut Marks) {
    m.strict();
    let Some(facts) = facts(a, m, &["EVD-003", "EVD-004"]) else {
        return;
    };
    for r in &facts.referrers {
        well_formed(r, m);
        for b in &r.blobs {
            let at = Location::document(&format!(
                "referrer {} /layers/{} ({})",
                r.digest, b.index, b.digest
            ));
            match &b.content {
                Err(e) if e.contains("bound on evidence") => m.error("EVD-004", at, e.clone()),
                Err(e) => m.fail(
                    "EVD-004",
                    at,
                    format!("the {} blob of this referrer: {e}", b.media_type),
                ),
                Ok(doc) if doc.size != b.size => m.fail(
                    "EVD-004",
                    at,
                    format!(
                        "the descriptor says {} bytes, the stored blob has {}",
                        b.size, doc.size
                    ),
                ),
                Ok(_) => {}
            }
        }
    }
    m.pass("EVD-003");
    m.pass("EVD-004");
}

fn well_formed(r: &Referrer, m: &mut Marks) {
    let at = location(r);
    let Ok(json) = &r.manifest.json else {
        let e = r.manifest.json.as_ref().err().cloned().unwrap_or_default();
        m.fail(
            "EVD-003",
            at,
            format!("the referrer manifest does not parse: {e}"),
        );
        return;
    };
    let mut problems = Vec::new();
    if json.get("schemaVersion").and_then(Value::as_u64) != Some(2) {
        problems.push("`schemaVersion` is not 2".to_string());
    }
    let mt = json.get("mediaType").and_then(Value::as_str);
    if mt != Some(crate::vocabulary::OCI_MANIFEST) {
        problems.push(format!(
            "`mediaType` is {mt:?}, not {}",
            crate::vocabulary::OCI_MANIFEST
        ));
    }
    let artifact_type = json
        .get("artifactType")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    let config_type = json.pointer("/config/mediaType").and_then(Value::as_str);
    if json.get("config").is_none_or(|c| !c.is_object()) {
        problems.push("it has no `config` descriptor".into());
    }
    if artifact_type.is_none() && config_type.is_none_or(|c| c == OCI_EMPTY) {
        problems.push(
            "it names no kind: no `artifactType` and the config is the empty descriptor".into(),
        );
    }
    if json
        .get("layers")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
    {
        problems.push("`layers` is missing or empty".into());
    }
    if !matches!(r.via, Via::LegacySignatureTag(_))
        && json.get("subject").is_none_or(|s| !s.is_object())
    {
        problems.push("it has no `subject` descriptor".into());
    }
    if !problems.is_empty() {
        m.fail(
            "EVD-003",
            at,
            format!(
                "not a well-formed OCI 1.1 artifact manifest: {}",
                problems.join("; ")
            ),
        );
    }
}

/// Whether a referrer is a signature of the framework an annotation names.
pub(crate) fn is_signature_of(r: &Referrer, framework: &str) -> bool {
    let at = r.artifact_type.as_deref().unwrap_or_default();
    // A bundle that announces a predicate type is an attestation, except cosign's own signing
    // predicate: cosign v3 signs an image as a DSSE Statement of that type.
    let sigstore = at.starts_with(SIGSTORE_BUNDLE_PREFIX)
        && r.annotations
            .get(PREDICATE_TYPE)
            .is_none_or(|p| p == COSIGN_SIGN_PREDICATE);
    let legacy = matches!(r.via, Via::LegacySignatureTag(_));
    let notary = at == NOTARY_SIGNATURE;
    match framework {
        "sigstore" | SIGNING_MODEL_TRANSPARENCY => sigstore || legacy,
        "notation" => notary,
        _ => sigstore || legacy || notary,
    }
}

fn claims(a: &CheckContext, m: &mut Marks) {
    m.strict();
    let ids = ["EVD-005"];
    let Some(facts) = facts(a, m, &ids) else {
        return;
    };
    let ann = manifest_annotations(a);
    type Matcher = fn(&Referrer, &str) -> bool;
    // The SBOM and provenance claims are SBM-001's and PRV-001's (one requirement each).
    let rules: [(&'static str, &str, &str, Matcher); 1] =
        [("EVD-005", SIGNING, "signature", is_signature_of)];
    for (id, key, what, matches) in rules {
        let Some(value) = annotation(ann, key) else {
            m.not_applicable(id, format!("the manifest does not carry {key}"));
            continue;
        };
        let found: Vec<&Referrer> = facts
            .referrers
            .iter()
            .filter(|r| matches(r, value))
            .collect();
        if found.is_empty() {
            let seen: Vec<String> = facts
                .referrers
                .iter()
                .map(|r| {
                    r.artifact_type
                        .clone()
                        .unwrap_or_else(|| "(untyped)".into())
                })
                .collect();
            m.fail(
                id,
                Location::manifest(format!("/annotations/{}", pointer_token(key))),
                format!(
                    "{key} is {value:?}, but no {what} referrer of that kind is attached to {} \
                     (referrers found: {}); attach the evidence as an OCI 1.1 referrer or remove \
                     the annotation",
                    a.manifest_digest,
                    if seen.is_empty() {
                        "none".to_string()
                    } else {
                        seen.join(", ")
                    }
                ),
            );
        } else {
            m.pass(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::Digest;
    use crate::document::Document;
    use crate::vocabulary::{SIGSTORE_BUNDLE_V03, SLSA_PROVENANCE_V1};
    use std::collections::BTreeMap;

    fn bundle_referrer(predicate_type: Option<&str>) -> Referrer {
        Referrer {
            via: Via::RegistryApi,
            descriptor: Value::Null,
            digest: Digest::sha256_of(b"referrer"),
            artifact_type: Some(SIGSTORE_BUNDLE_V03.into()),
            manifest: Document::from_bytes(b"{}".to_vec()),
            annotations: predicate_type
                .map(|p| BTreeMap::from([(PREDICATE_TYPE.to_string(), p.to_string())]))
                .unwrap_or_default(),
            blobs: Vec::new(),
        }
    }

    /// cosign v3 `sign` writes its signature as a DSSE bundle referrer annotated with the
    /// predicate type https://sigstore.dev/cosign/sign/v1; EVD-005 refused it as an
    /// attestation until this rule knew cosign's signing predicate.
    #[test]
    fn a_cosign_v3_signature_bundle_is_a_sigstore_signature() {
        let signed = bundle_referrer(Some(COSIGN_SIGN_PREDICATE));
        assert!(is_signature_of(&signed, "sigstore"));
        assert!(is_signature_of(&signed, "some.extension"));
        assert!(!is_signature_of(&signed, "notation"));
        assert!(is_signature_of(&bundle_referrer(None), "sigstore"));
        // An attestation (cosign attest, SLSA) is not a signature of the manifest.
        let attestation = bundle_referrer(Some(SLSA_PROVENANCE_V1));
        assert!(!is_signature_of(&attestation, "sigstore"));
    }
}
