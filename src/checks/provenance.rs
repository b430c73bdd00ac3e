//! PRV-*: provenance referrers (spec/v1.0/provenance.md): in-toto Statement v1 in DSSE, SLSA
//! Provenance v1, bound to the artifact by digest, signed with a trusted key under `regulated`.

use super::support::{
    annotation, annotation_pointer, evidence_or_error, layer_digests, manifest_annotations,
    referrer_document, referrer_location,
};
use super::{Check, CheckContext, Marks};
use crate::digest::Digest;
use crate::model::Location;
use crate::trust::dsse::DsseError;
use crate::trust::provenance::{self as verify};
use crate::vocabulary::{DSSE_ENVELOPE, IN_TOTO, PROVENANCE, SLSA_PROVENANCE_V1};

pub(crate) const CHECKS: &[Check] = &[Check {
    id: "provenance.referrers",
    title: "Provenance referrers: DSSE in-toto statement, SLSA predicate, subject, signature",
    covers: &["PRV-001", "PRV-002", "PRV-003", "PRV-004", "PRV-005"],
    run: provenance,
}];

/// The requirements that read a statement, when the envelope could not be opened (PRV-002
/// carries that failure).
fn unjudged(m: &mut Marks) {
    m.all_not_applicable(
        &CHECKS[0].covers[2..],
        "the provenance envelope is unreadable or not an in-toto statement (PRV-002)",
    );
}

fn provenance(a: &CheckContext, m: &mut Marks) {
    m.strict();
    let covers = CHECKS[0].covers;
    let Some(ev) = evidence_or_error(a, covers, m) else {
        return;
    };
    let in_toto: Vec<_> = ev.of_type(IN_TOTO).collect();
    let found: Vec<_> = in_toto
        .iter()
        .copied()
        .filter(|r| r.blob(DSSE_ENVELOPE).is_some())
        .collect();
    if found.is_empty() {
        m.fail(
            "PRV-001",
            Location::manifest(annotation_pointer("", PROVENANCE)),
            if in_toto.is_empty() {
                format!(
                    "no provenance referrer of the artifact was found ({} referrer(s) in all); \
                     attach one with artifactType {IN_TOTO} and a {DSSE_ENVELOPE} layer",
                    ev.referrers.len()
                )
            } else {
                format!(
                    "{} referrer(s) of type {IN_TOTO} hold no {DSSE_ENVELOPE} layer",
                    in_toto.len()
                )
            },
        );
        m.all_not_applicable(&covers[1..], "the artifact has no provenance referrer");
        return;
    }
    m.pass("PRV-001");
    let manifest = &a.manifest_digest;
    let layers: Vec<Digest> = layer_digests(a).into_iter().map(|(_, d)| d).collect();
    let keys = a.trust.public_keys();
    let mut slsa_seen = false;
    let mut opened = 0;
    for r in found {
        let (index, doc) = match referrer_document(r, DSSE_ENVELOPE) {
            Ok(d) => d,
            Err(e) => {
                m.fail("PRV-002", referrer_location(r, None, ""), e);
                unjudged(m);
                continue;
            }
        };
        let at = |pointer: &str| referrer_location(r, Some(index), pointer);
        let Some(bytes) = doc.bytes.as_deref() else {
            m.fail(
                "PRV-002",
                at(""),
                format!("the envelope is {} bytes, over the size bound", doc.size),
            );
            unjudged(m);
            continue;
        };
        let att = match verify::open(bytes) {
            Ok(att) => att,
            Err(problems) => {
                for p in problems.into_iter().take(5) {
                    m.fail("PRV-002", at(""), p);
                }
                unjudged(m);
                continue;
            }
        };
        m.pass("PRV-002");
        opened += 1;

        match verify::slsa_problems(&att) {
            None => m.not_applicable(
                "PRV-003",
                format!(
                    "the statement's predicate type is {:?}, not SLSA Provenance v1",
                    att.predicate_type().unwrap_or_default()
                ),
            ),
            Some(problems) => {
                slsa_seen = true;
                if problems.is_empty() {
                    m.pass("PRV-003");
                }
                for p in problems.into_iter().take(5) {
                    m.fail("PRV-003", at("/payload"), format!("SLSA provenance: {p}"));
                }
            }
        }

        match verify::binds(&att, manifest, &layers) {
            Ok(()) => m.pass("PRV-004"),
            Err(e) => m.fail("PRV-004", at("/payload"), e),
        }

        if keys.is_empty() {
            m.error(
                "PRV-005",
                at("/signatures"),
                "no trusted public key was given (--key or a policy file), so the provenance \
                 signature cannot be verified",
            );
        } else {
            match verify::verify(&att, &keys) {
                Ok(_) => m.pass("PRV-005"),
                Err(e @ (DsseError::Unsigned | DsseError::NoValidSignature { .. })) => {
                    m.fail("PRV-005", at("/signatures"), e.to_string())
                }
                Err(e) => m.fail("PRV-005", at(""), e.to_string()),
            }
        }
    }
    // Only statements that could be read can show the predicate type the annotation promises.
    if annotation(manifest_annotations(a), PROVENANCE) == Some("slsa-v1.0")
        && opened > 0
        && !slsa_seen
    {
        m.fail(
            "PRV-003",
            Location::manifest(annotation_pointer("", PROVENANCE)),
            format!(
                "{PROVENANCE} says slsa-v1.0, but no provenance statement has predicate type \
                 {SLSA_PROVENANCE_V1}"
            ),
        );
    }
}
