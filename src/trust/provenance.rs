//! Provenance verification (spec/v1.0/provenance.md): an in-toto Statement v1 in a DSSE
//! envelope, with a SLSA Provenance v1 predicate. Pure functions from the envelope's stored bytes,
//! the artifact's digests and the trusted keys to what is wrong.

use super::dsse::{DsseError, Envelope};
use super::keys::PublicKey;
use super::sbom::Hash;
use crate::digest::Digest;
use crate::document::Document;
use crate::schemas::{self, SchemaKind};
use crate::vocabulary::{IN_TOTO, SLSA_PROVENANCE_V1};
use serde_json::Value;

/// An opened attestation: the envelope and its statement.
#[derive(Debug, Clone)]
pub(crate) struct Attestation {
    pub envelope: Envelope,
    pub statement: Value,
}

impl Attestation {
    pub(crate) fn predicate_type(&self) -> Option<&str> {
        self.statement.get("predicateType").and_then(Value::as_str)
    }
}

/// PRV-002: the stored bytes of the DSSE layer → the envelope and a Statement v1 valid against
/// the `in-toto-statement` schema; `Err` says why not, in one line per problem.
pub(crate) fn open(bytes: &[u8]) -> Result<Attestation, Vec<String>> {
    let envelope = Envelope::parse(bytes).map_err(|e| vec![e.to_string()])?;
    if envelope.payload_type != IN_TOTO {
        return Err(vec![
            DsseError::PayloadType {
                found: envelope.payload_type.clone(),
                expected: IN_TOTO.into(),
            }
            .to_string(),
        ]);
    }
    // Parsed as a bounded document: serde_json's recursion limit refuses deep nesting.
    let statement = Document::from_bytes(envelope.payload.clone())
        .json
        .map_err(|e| vec![format!("the payload is not a JSON statement: {e}")])?;
    let violations = schemas::validate(SchemaKind::InTotoStatement, &statement);
    if !violations.is_empty() {
        return Err(violations
            .iter()
            .map(|v| format!("statement {v}"))
            .collect());
    }
    Ok(Attestation {
        envelope,
        statement,
    })
}

/// PRV-003: `None` when the statement is not SLSA Provenance v1; otherwise the predicate's
/// violations of the `slsa-provenance` schema (empty: valid).
pub(crate) fn slsa_problems(a: &Attestation) -> Option<Vec<String>> {
    if a.predicate_type() != Some(SLSA_PROVENANCE_V1) {
        return None;
    }
    let Some(predicate) = a.statement.get("predicate") else {
        return Some(vec![
            "the statement has no predicate; SLSA requires buildDefinition and runDetails".into(),
        ]);
    };
    Some(
        schemas::validate(SchemaKind::SlsaProvenance, predicate)
            .iter()
            .map(|v| format!("predicate{v}"))
            .collect(),
    )
}

/// The digests of each `subject` entry.
fn subject_hashes(statement: &Value) -> Vec<Hash> {
    statement
        .get("subject")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| s.get("digest")?.as_object())
        .flat_map(|d| {
            d.iter()
                .filter_map(|(alg, v)| Some(Hash::new(alg, v.as_str()?)))
        })
        .collect()
}

/// PRV-004: some subject carries the manifest digest, or the subjects together carry every
/// layer's descriptor digest (an artifact without layers is bound by its manifest only).
pub(crate) fn binds(a: &Attestation, manifest: &Digest, layers: &[Digest]) -> Result<(), String> {
    let hashes = subject_hashes(&a.statement);
    if hashes.contains(&Hash::of(manifest)) {
        return Ok(());
    }
    let missing: Vec<String> = layers
        .iter()
        .filter(|d| !hashes.contains(&Hash::of(d)))
        .map(Digest::to_string)
        .collect();
    if !layers.is_empty() && missing.is_empty() {
        return Ok(());
    }
    let named: Vec<String> = hashes
        .iter()
        .take(4)
        .map(|h| format!("{}:{}", h.algorithm, h.hex))
        .collect();
    Err(format!(
        "no subject carries the manifest digest {manifest}{}; the subjects name {}",
        if layers.is_empty() {
            String::new()
        } else {
            format!(
                ", and {} of {} layer digests are missing",
                missing.len(),
                layers.len()
            )
        },
        if named.is_empty() {
            "no digest".to_string()
        } else {
            named.join(", ")
        }
    ))
}

/// PRV-005: a signature verifies with one of the trusted keys; `Ok` is the key's index.
pub(crate) fn verify(a: &Attestation, trusted: &[PublicKey]) -> Result<usize, DsseError> {
    a.envelope.verify(IN_TOTO, trusted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::keys::SigningKey;
    use crate::vocabulary::IN_TOTO_STATEMENT_V1;
    use crate::vocabulary::{IN_TOTO_STATEMENT_V01, JSON, SPDX_DOCUMENT_V23};
    use serde_json::json;

    fn digest(c: char) -> Digest {
        Digest::parse(&format!("sha256:{}", c.to_string().repeat(64))).unwrap()
    }

    fn statement(subject_hex: &str) -> Value {
        json!({
            "_type": IN_TOTO_STATEMENT_V1,
            "subject": [{"name": "model", "digest": {"sha256": subject_hex}}],
            "predicateType": SLSA_PROVENANCE_V1,
            "predicate": {
                "buildDefinition": {"buildType": "https://ai-interop.dev/build/v1", "externalParameters": {}},
                "runDetails": {"builder": {"id": "https://ai-interop.dev/builder"}}
            }
        })
    }

    fn envelope(payload: &Value, key: &SigningKey) -> Vec<u8> {
        Envelope::sign(IN_TOTO, serde_json::to_vec(payload).unwrap(), key).to_json()
    }

    #[test]
    fn a_good_attestation_opens_binds_and_verifies() {
        let key = SigningKey::ed25519_from_seed(&[9; 32]);
        let a = open(&envelope(&statement(&"a".repeat(64)), &key)).unwrap();
        assert_eq!(slsa_problems(&a), Some(vec![]));
        assert_eq!(binds(&a, &digest('a'), &[]), Ok(()));
        assert_eq!(verify(&a, &[key.public_key().clone()]), Ok(0));
    }

    #[test]
    fn wrong_payload_type_malformed_and_non_statements_are_refused() {
        let key = SigningKey::ed25519_from_seed(&[9; 32]);
        let wrong = Envelope::sign(JSON, b"{}".to_vec(), &key).to_json();
        assert!(open(&wrong).unwrap_err()[0].contains("payload type"));
        assert!(open(b"{").unwrap_err()[0].contains("not a DSSE"));
        let not_json = Envelope::sign(IN_TOTO, b"\xff".to_vec(), &key).to_json();
        assert!(open(&not_json).unwrap_err()[0].contains("not a JSON statement"));
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let deep = Envelope::sign(IN_TOTO, deep.into_bytes(), &key).to_json();
        assert!(open(&deep).is_err());
        let mut s = statement("ab");
        s["_type"] = json!(IN_TOTO_STATEMENT_V01);
        s["subject"] = json!([{"name": "x"}]);
        let errors = open(&envelope(&s, &key)).unwrap_err();
        assert!(errors.iter().any(|e| e.contains("/_type")), "{errors:?}");
        assert!(
            errors.iter().any(|e| e.contains("/subject/0")),
            "{errors:?}"
        );
    }

    #[test]
    fn missing_slsa_fields_are_named() {
        let key = SigningKey::ed25519_from_seed(&[9; 32]);
        let mut s = statement("ab");
        s["predicate"]["runDetails"]["builder"] = json!({});
        let a = open(&envelope(&s, &key)).unwrap();
        let p = slsa_problems(&a).unwrap();
        assert!(p.iter().any(|e| e.contains("/runDetails/builder")), "{p:?}");
        s.as_object_mut().unwrap().remove("predicate");
        let a = open(&envelope(&s, &key)).unwrap();
        assert!(slsa_problems(&a).unwrap()[0].contains("no predicate"));
        s["predicateType"] = json!(SPDX_DOCUMENT_V23);
        let a = open(&envelope(&s, &key)).unwrap();
        assert_eq!(slsa_problems(&a), None);
    }

    #[test]
    fn subjects_bind_by_manifest_or_every_layer() {
        let key = SigningKey::ed25519_from_seed(&[9; 32]);
        let mut s = statement(&"b".repeat(64));
        let a = open(&envelope(&s, &key)).unwrap();
        let e = binds(&a, &digest('a'), &[]).unwrap_err();
        assert!(e.contains("sha256:bbbb"), "{e}");
        assert_eq!(binds(&a, &digest('a'), &[digest('b')]), Ok(()));
        let e = binds(&a, &digest('a'), &[digest('b'), digest('c')]).unwrap_err();
        assert!(e.contains("1 of 2 layer digests"), "{e}");
        s["subject"] =
            json!([{"digest": {"sha256": "c".repeat(64)}}, {"digest": {"sha256": "b".repeat(64)}}]);
        let a = open(&envelope(&s, &key)).unwrap();
        assert_eq!(binds(&a, &digest('a'), &[digest('b'), digest('c')]), Ok(()));
    }

    #[test]
    fn signatures_need_a_trusted_key() {
        let key = SigningKey::ed25519_from_seed(&[9; 32]);
        let other = SigningKey::ed25519_from_seed(&[8; 32]);
        let a = open(&envelope(&statement("ab"), &key)).unwrap();
        assert!(verify(&a, &[other.public_key().clone()]).is_err());
        assert!(verify(&a, &[]).is_err());
        let mut unsigned = a.clone();
        unsigned.envelope.signatures.clear();
        assert_eq!(
            verify(&unsigned, &[key.public_key().clone()]),
            Err(DsseError::Unsigned)
        );
    }
}
