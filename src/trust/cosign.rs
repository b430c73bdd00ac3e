//! The legacy cosign tag scheme: an image manifest tagged `<alg>-<hex>.sig` whose layers are
//! Simple Signing payloads, each signed in the layer annotation
//! `dev.cosignproject.cosign/signature`. Read and verified with the consumer's keys; reported
//! as legacy (SIG-012).

use super::codec::b64;
use super::failure::{Signer, Verification, breaks, req, undecided};
use super::inputs::TrustInputs;
use crate::digest::Digest;
use serde_json::Value;

use crate::vocabulary::COSIGN_SIGNATURE_ANNOTATION;

/// The legacy tag of a manifest digest.
pub fn tag(digest: &Digest) -> String {
    format!("{}-{}.sig", digest.algorithm(), digest.encoded())
}

/// Verify one Simple Signing layer: its payload bytes and the base64 signature annotation.
pub fn verify(
    payload: &[u8],
    signature_b64: Option<&str>,
    digest: &Digest,
    inputs: &TrustInputs,
) -> Verification {
    let mut v = Verification::default();
    let p: Option<Value> = serde_json::from_slice(payload).ok();
    let stated = p
        .as_ref()
        .and_then(|p| p.pointer("/critical/image/docker-manifest-digest"))
        .and_then(Value::as_str);
    let typ = p
        .as_ref()
        .and_then(|p| p.pointer("/critical/type"))
        .and_then(Value::as_str);
    if typ != Some("cosign container image signature")
        || stated != Some(digest.to_string().as_str())
    {
        v.broken(breaks(
            req::SUBJECT,
            format!("the Simple Signing payload (type {typ:?}) names {stated:?}, not {digest}"),
        ));
    } else {
        v.holds(req::SUBJECT);
    }
    let sig = match signature_b64.map(b64) {
        Some(Ok(s)) => s,
        Some(Err(e)) => {
            v.broken(breaks(
                req::SIGNATURE,
                format!("{COSIGN_SIGNATURE_ANNOTATION}: {e}"),
            ));
            return v;
        }
        None => {
            v.broken(breaks(
                req::SIGNATURE,
                format!("the layer has no {COSIGN_SIGNATURE_ANNOTATION} annotation"),
            ));
            return v;
        }
    };
    let keys = inputs.public_keys();
    if keys.is_empty()
        && let Some(f) = inputs.only_unsupported_keys()
    {
        v.broken(f);
        return v;
    }
    if keys.is_empty() {
        v.broken(undecided(
            req::SIGNATURE,
            "a legacy cosign signature needs a trusted key (--key)",
        ));
        return v;
    }
    match keys.iter().find(|k| k.verify(payload, &sig)) {
        Some(k) => {
            v.holds(req::SIGNATURE);
            v.holds(req::ALGORITHM);
            v.signer = Some(Signer {
                identity: format!("key {} (legacy cosign tag)", k.key_id()),
                notes: Vec::new(),
            });
        }
        None => v.broken(breaks(
            req::SIGNATURE,
            format!(
                "the signature verifies with none of the {} trusted key(s)",
                keys.len()
            ),
        )),
    }
    v
}

/// A Simple Signing payload for `digest`. For fixtures.
pub(crate) fn make_payload(digest: &Digest) -> Vec<u8> {
    let v = serde_json::json!({
        "critical": {
            "identity": {"docker-reference": "test-only.invalid/model"},
            "image": {"docker-manifest-digest": digest.to_string()},
            "type": "cosign container image signature",
        },
        "optional": null,
    });
    serde_json::to_vec(&v).expect("JSON")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::codec::b64_encode;
    use crate::trust::inputs::Loaded;
    use crate::trust::keys::SigningKey;

    #[test]
    fn legacy_signatures_verify_and_fail_as_they_should() {
        let key = SigningKey::ed25519_from_seed(&[5; 32]);
        let inputs = TrustInputs {
            keys: vec![Loaded {
                path: "k.pub".into(),
                value: key.public_key().clone(),
            }],
            ..Default::default()
        };
        let d = Digest::sha256_of(b"manifest");
        assert_eq!(tag(&d), format!("sha256-{}.sig", d.encoded()));
        let payload = make_payload(&d);
        let sig = b64_encode(&key.sign(&payload));
        assert!(verify(&payload, Some(&sig), &d, &inputs).verified());
        let fails = |v: Verification| v.failures().map(|f| f.requirement()).collect::<Vec<_>>();
        assert_eq!(
            fails(verify(
                &payload,
                Some(&sig),
                &Digest::sha256_of(b"x"),
                &inputs
            )),
            vec!["SIG-003"]
        );
        assert_eq!(fails(verify(&payload, None, &d, &inputs)), vec!["SIG-004"]);
        assert_eq!(
            fails(verify(&payload, Some("%"), &d, &inputs)),
            vec!["SIG-004"]
        );
        let other = b64_encode(&SigningKey::ed25519_from_seed(&[6; 32]).sign(&payload));
        assert_eq!(
            fails(verify(&payload, Some(&other), &d, &inputs)),
            vec!["SIG-004"]
        );
        assert_eq!(
            fails(verify(b"junk", Some(&sig), &d, &inputs)),
            vec!["SIG-003", "SIG-004"]
        );
        let v = verify(&payload, Some(&sig), &d, &TrustInputs::default());
        assert!(matches!(
            v.failures().next(),
            Some(crate::trust::failure::SigFailure::Undecided { .. })
        ));
    }
}
