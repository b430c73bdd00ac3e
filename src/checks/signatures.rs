//! SIG-*: signatures of the manifest digest (`spec/v1.0/signatures.md`). Reads the referrers
//! discovery found (`artifact.evidence`) and verifies each signature with the consumer's trust
//! inputs (`CheckContext::trust`); a requirement passes only when a signature was verified against it.

use super::{Check, CheckContext, Marks};
use crate::artifact::Artifact;
use crate::evidence::{EvidenceFacts, Via};
use crate::model::Location;
use crate::trust::failure::{SigFailure, Verification, breaks, req};
use crate::trust::sigstore::Signed;
use crate::trust::{bundles, cosign, notary, oms};
use crate::vocabulary::{
    COSIGN_PAYLOAD, COSIGN_SIGNATURE_ANNOTATION, FILEPATH, LEGACY_FILEPATH, NOTARY_COSE,
    NOTARY_JWS, NOTARY_SIGNATURE, SIGSTORE_BUNDLE_V03,
};
use serde_json::Value;

const ALL: &[&str] = &[
    "SIG-001", "SIG-002", "SIG-003", "SIG-004", "SIG-005", "SIG-006", "SIG-007", "SIG-008",
    "SIG-009", "SIG-010", "SIG-011", "SIG-012", "SIG-013", "SIG-014", "SIG-015", "SIG-016",
    "SIG-017", "SIG-018", "SIG-019", "SIG-020", "SIG-021",
];

pub(crate) const CHECKS: &[Check] = &[Check {
    id: "signatures.verify",
    title: "The manifest digest is signed, and every signature verifies against the consumer's trust inputs",
    covers: ALL,
    run: signatures,
}];

/// What one referrer turned out to be, with its verification.
struct Checked {
    label: String,
    /// Counts as a signature of the manifest (not OMS).
    signature: bool,
    legacy: bool,
    verification: Verification,
}

fn signatures(a: &CheckContext, m: &mut Marks) {
    let Some(ev) = &a.evidence else {
        for r in ALL {
            m.error(
                r,
                Location::default(),
                "evidence discovery did not run, so signatures could not be looked for",
            );
        }
        return;
    };
    if let Some(e) = &ev.error {
        for r in ALL {
            m.error(
                r,
                Location::default(),
                format!("evidence discovery failed: {e}"),
            );
        }
        return;
    }
    let Some(bytes) = a.manifest.bytes.as_deref() else {
        for r in ALL {
            m.error(r, Location::manifest(""), "the manifest bytes were not kept (too large), so no signature over them can be verified");
        }
        return;
    };
    let subject = Signed {
        digest: &a.manifest_digest,
        bytes,
    };
    let checked = check_all(a, ev, subject);
    let signatures = checked.iter().filter(|c| c.signature).count();
    let legacy = checked.iter().filter(|c| c.signature && c.legacy).count();
    if signatures == 0 {
        m.fail(
            req::PRESENT,
            Location::manifest(""),
            format!(
                "no signature of {} was found among {} referrer(s): no Sigstore bundle, Notary signature or legacy cosign signature",
                a.manifest_digest,
                ev.referrers.len()
            ),
        );
        m.not_applicable(req::LEGACY, "the artifact has no signature");
    } else {
        m.pass(req::PRESENT);
        if legacy == signatures {
            m.fail(
                req::LEGACY,
                Location::manifest(""),
                format!("the artifact's only signature(s) are attached through the legacy cosign tag {}, not as OCI referrers", cosign::tag(&a.manifest_digest)),
            );
        } else {
            m.pass(req::LEGACY);
        }
    }
    // SIG-001 and SIG-012 are about the artifact's signatures as a whole (above); every other
    // requirement follows what the verifiers reached.
    for &r in ALL
        .iter()
        .filter(|r| **r != req::PRESENT && **r != req::LEGACY)
    {
        let mut reached = false;
        for c in &checked {
            for (rq, f) in c.verification.results.iter().filter(|(rq, _)| *rq == r) {
                reached = true;
                match f {
                    None => m.pass(rq),
                    Some(SigFailure::Breaks { message, .. }) => {
                        m.fail(rq, Location::document(&c.label), message.clone())
                    }
                    Some(SigFailure::Undecided { message, .. }) => {
                        m.error(rq, Location::document(&c.label), message.clone())
                    }
                }
            }
        }
        if !reached {
            m.not_applicable(
                r,
                "no signature of the artifact is of the kind this requirement is about",
            );
        }
    }
}

/// Classify and verify every referrer that carries a signature.
fn check_all(a: &CheckContext, ev: &EvidenceFacts, subject: Signed<'_>) -> Vec<Checked> {
    let mut out = Vec::new();
    for r in &ev.referrers {
        let label = format!("referrer {}", r.digest);
        if let Via::LegacySignatureTag(tag) = &r.via {
            for b in r.blobs.iter().filter(|b| b.media_type == COSIGN_PAYLOAD) {
                let verification = match &b.content {
                    Ok(doc) => cosign::verify(
                        doc.bytes.as_deref().unwrap_or_default(),
                        b.annotations
                            .get(COSIGN_SIGNATURE_ANNOTATION)
                            .map(String::as_str),
                        subject.digest,
                        a.trust,
                    ),
                    Err(e) => failed(breaks(
                        req::SIGNATURE,
                        format!("the signed payload {} could not be read: {e}", b.digest),
                    )),
                };
                out.push(Checked {
                    label: format!("legacy tag {tag} layer {}", b.index),
                    signature: true,
                    legacy: true,
                    verification,
                });
            }
            continue;
        }
        let at = r.artifact_type.as_deref();
        if at == Some(NOTARY_SIGNATURE) {
            let verification = match r.blobs.as_slice() {
                [b] if b.media_type == NOTARY_JWS => match &b.content {
                    Ok(doc) => notary::verify(
                        doc.bytes.as_deref().unwrap_or_default(),
                        subject.digest,
                        a.trust,
                    ),
                    Err(e) => failed(breaks(
                        req::NOTARY_ENVELOPE,
                        format!("the signature envelope could not be read: {e}"),
                    )),
                },
                [b] if b.media_type == NOTARY_COSE => failed(crate::trust::failure::undecided(
                    req::NOTARY_ENVELOPE,
                    "COSE Notary envelopes are not read by this version of the suite",
                )),
                blobs => failed(breaks(
                    req::NOTARY_ENVELOPE,
                    format!(
                        "a Notary signature manifest has exactly one envelope layer; this one has {} layer(s)",
                        blobs.len()
                    ),
                )),
            };
            out.push(Checked {
                label,
                signature: true,
                legacy: false,
                verification,
            });
            continue;
        }
        let bundle_blobs = r
            .blobs
            .iter()
            .filter(|b| b.media_type == SIGSTORE_BUNDLE_V03)
            .count();
        if at != Some(SIGSTORE_BUNDLE_V03) && bundle_blobs == 0 {
            continue; // not a signature (an SBOM, provenance document, …)
        }
        if at != Some(SIGSTORE_BUNDLE_V03) || r.blobs.len() != 1 || bundle_blobs != 1 {
            out.push(Checked {
                label,
                signature: true,
                legacy: false,
                verification: failed(breaks(
                    req::BUNDLE_FORM,
                    format!(
                        "a Sigstore bundle referrer has the artifactType {SIGSTORE_BUNDLE_V03} and one layer of that type; this one has artifactType {at:?} and {} layer(s)",
                        r.blobs.len()
                    ),
                )),
            });
            continue;
        }
        let blob = &r.blobs[0];
        let bytes = match &blob.content {
            Ok(doc) => doc.bytes.as_deref().unwrap_or_default(),
            Err(e) => {
                out.push(Checked {
                    label,
                    signature: true,
                    legacy: false,
                    verification: failed(breaks(
                        req::BUNDLE_FORM,
                        format!("the bundle blob could not be read: {e}"),
                    )),
                });
                continue;
            }
        };
        let bundles::Outcome {
            verification,
            is_oms,
        } = bundles::verify(
            bytes,
            subject,
            oms::Against::Layers(&raw_layers(a)),
            a.trust,
        );
        out.push(Checked {
            label,
            signature: !is_oms,
            legacy: false,
            verification,
        });
    }
    out
}

fn failed(f: SigFailure) -> Verification {
    let mut v = Verification::default();
    v.broken(f);
    v
}

/// The manifest's raw ModelPack layers that name their file.
fn raw_layers(a: &Artifact) -> Vec<oms::RawLayer> {
    let layers = a
        .manifest_json()
        .and_then(|m| m.get("layers"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    layers
        .iter()
        .enumerate()
        .filter_map(|(index, l)| {
            let mt = l.get("mediaType").and_then(Value::as_str)?;
            if !mt.ends_with(".raw") {
                return None;
            }
            let ann = l.get("annotations");
            let filepath = super::support::annotation(ann, FILEPATH)
                .or_else(|| super::support::annotation(ann, LEGACY_FILEPATH))?;
            Some(oms::RawLayer {
                index,
                filepath: filepath.to_string(),
                digest: l
                    .get("digest")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
