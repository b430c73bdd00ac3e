//! Sigstore bundles verified offline: key-based against the consumer's keys, keyless against a
//! local `trusted_root.json` (certificate chain at the integrated time, transparency log entry,
//! identity policy). Key hints in a bundle are never trusted.
//!
//! The `sigstore` crate is not used: its bundle verifier neither checks inclusion proofs nor
//! SETs and refuses public-key bundles, and it brings a large dependency tree; what we need is a
//! few hundred lines on ring, x509-parser and our RFC 6962 code.

pub mod bundle;
pub mod tlog;
pub mod trusted_root;

use crate::digest::Digest;
use crate::trust::cert;
use crate::trust::codec::unhex;
use crate::trust::dsse::IN_TOTO_PAYLOAD_TYPE;
use crate::trust::failure::{SigFailure, Signer, Verification, breaks, req, undecided};
use crate::trust::inputs::TrustInputs;
use crate::trust::keys::PublicKey;
use bundle::{Bundle, Content, Material};
use serde_json::Value;
use trusted_root::TrustedRoot;

pub const IN_TOTO_STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";

/// What a signature must be about: the artifact's manifest.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    pub digest: &'a Digest,
    /// The exact manifest bytes (message signatures sign these bytes).
    pub bytes: &'a [u8],
}

/// A verified (or not) bundle, with its in-toto Statement when it carries one.
#[derive(Debug, Default)]
pub struct BundleVerification {
    pub verification: Verification,
    pub statement: Option<Value>,
}

/// The trusted root from the inputs, or why it cannot be used.
pub fn trusted_root(inputs: &TrustInputs) -> Result<TrustedRoot, String> {
    let loaded = inputs
        .trusted_root
        .as_ref()
        .ok_or("no Sigstore trusted root was given (--trust-root)")?;
    TrustedRoot::parse(&loaded.value).map_err(|e| {
        format!(
            "the trusted root {} is unusable: {e}",
            loaded.path.display()
        )
    })
}

/// Verify a bundle. `subject` is the manifest the signature must name; `None` for bundles that
/// sign something else (OMS bundles sign files; their binding is checked by the caller).
pub fn verify(
    bytes: &[u8],
    subject: Option<Signed<'_>>,
    inputs: &TrustInputs,
) -> BundleVerification {
    let mut out = BundleVerification::default();
    let v = &mut out.verification;
    let bundle = match Bundle::parse(bytes) {
        Ok(b) => b,
        Err(e) => {
            v.broken(breaks(req::BUNDLE_FORM, e));
            return out;
        }
    };
    // The DSSE payload must be an in-toto Statement v1.
    if let Content::Dsse(env) = &bundle.content {
        let statement = (env.payload_type == IN_TOTO_PAYLOAD_TYPE)
            .then(|| serde_json::from_slice::<Value>(&env.payload).ok())
            .flatten()
            .filter(|s| s.get("_type").and_then(Value::as_str) == Some(IN_TOTO_STATEMENT_V1));
        match statement {
            Some(s) => out.statement = Some(s),
            None => {
                v.broken(breaks(
                    req::BUNDLE_FORM,
                    format!(
                        "the DSSE payload ({}) is not an in-toto Statement v1",
                        env.payload_type
                    ),
                ));
                return out;
            }
        }
    }
    v.holds(req::BUNDLE_FORM);
    if let Some(subject) = subject {
        v.push(
            req::SUBJECT,
            binds(&bundle, out.statement.as_ref(), subject),
        );
    }
    match &bundle.material {
        Material::PublicKey { hint } => key_based(&bundle, hint.as_deref(), subject, inputs, v),
        Material::Certificates(certs) => keyless(&bundle, certs, subject, inputs, v),
    }
    out
}

/// SIG-003: the content names the manifest digest.
fn binds(
    bundle: &Bundle,
    statement: Option<&Value>,
    subject: Signed<'_>,
) -> Result<(), SigFailure> {
    let want = subject.digest.encoded();
    match &bundle.content {
        Content::Message {
            algorithm, digest, ..
        } => {
            if algorithm != "SHA2_256" {
                return Err(breaks(
                    req::SUBJECT,
                    format!("the message digest algorithm is {algorithm:?}, not SHA2_256"),
                ));
            }
            if unhex(want).ok().as_deref() != Some(digest.as_slice()) {
                return Err(breaks(
                    req::SUBJECT,
                    format!(
                        "the message signature is over sha256:{}, not the manifest {}",
                        crate::trust::codec::hex(digest),
                        subject.digest
                    ),
                ));
            }
            Ok(())
        }
        Content::Dsse(_) => {
            let subjects = statement
                .and_then(|s| s.get("subject"))
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            if subjects
                .iter()
                .any(|s| s.pointer("/digest/sha256").and_then(Value::as_str) == Some(want))
            {
                Ok(())
            } else {
                Err(breaks(
                    req::SUBJECT,
                    format!(
                        "no subject of the signed Statement has the manifest digest {}",
                        subject.digest
                    ),
                ))
            }
        }
    }
}

/// The signature verifies with `key`.
fn signature_verifies(bundle: &Bundle, subject: Option<Signed<'_>>, key: &PublicKey) -> bool {
    match &bundle.content {
        Content::Message { signature, .. } => {
            subject.is_some_and(|s| key.verify(s.bytes, signature))
        }
        Content::Dsse(env) => env
            .verify(IN_TOTO_PAYLOAD_TYPE, std::slice::from_ref(key))
            .is_ok(),
    }
}

fn dsse_payload(bundle: &Bundle) -> Option<&[u8]> {
    match &bundle.content {
        Content::Dsse(env) => Some(&env.payload),
        Content::Message { .. } => None,
    }
}

fn artifact_sha256(subject: Option<Signed<'_>>) -> Option<Vec<u8>> {
    subject.and_then(|s| unhex(s.digest.encoded()).ok())
}

/// Verify every tlog entry; the integrated time of the first.
fn entries(
    bundle: &Bundle,
    root: &TrustedRoot,
    subject: Option<Signed<'_>>,
    verifier_der: &[u8],
) -> Result<Option<i64>, SigFailure> {
    let digest = artifact_sha256(subject);
    let want = tlog::Expected {
        artifact_sha256: digest.as_deref(),
        dsse_payload: dsse_payload(bundle),
        signature: bundle.signature(),
        verifier_der,
    };
    let mut first = None;
    for (i, e) in bundle.tlog_entries.iter().enumerate() {
        let t = tlog::verify_entry(e, root, &want)
            .map_err(|m| breaks(req::TLOG, format!("transparency log entry {i}: {m}")))?;
        first.get_or_insert(t);
    }
    Ok(first)
}

fn key_based(
    bundle: &Bundle,
    hint: Option<&str>,
    subject: Option<Signed<'_>>,
    inputs: &TrustInputs,
    v: &mut Verification,
) {
    let keys = inputs.public_keys();
    if keys.is_empty()
        && let Some(f) = inputs.only_unsupported_keys()
    {
        v.broken(f);
        return;
    }
    if keys.is_empty() {
        v.broken(undecided(
            req::SIGNATURE,
            format!(
                "the bundle is signed with a public key (hint {hint:?}, not trusted) and no key was given (--key)"
            ),
        ));
        return;
    }
    let Some(key) = keys.iter().find(|k| signature_verifies(bundle, subject, k)) else {
        v.broken(breaks(
            req::SIGNATURE,
            format!(
                "the signature verifies with none of the {} trusted key(s)",
                keys.len()
            ),
        ));
        return;
    };
    v.holds(req::SIGNATURE);
    v.holds(req::ALGORITHM);
    v.signer = Some(Signer {
        identity: format!("key {}", key.key_id()),
        notes: Vec::new(),
    });
    if bundle.tlog_entries.is_empty() {
        return;
    }
    match trusted_root(inputs) {
        Err(e) => v.broken(undecided(req::TLOG, e)),
        Ok(root) => v.push(
            req::TLOG,
            entries(bundle, &root, subject, &key.spki_der).map(|_| ()),
        ),
    }
}

fn keyless(
    bundle: &Bundle,
    certs: &[Vec<u8>],
    subject: Option<Signed<'_>>,
    inputs: &TrustInputs,
    v: &mut Verification,
) {
    let leaf = match cert::parse(&certs[0]) {
        Ok(c) => c,
        Err(e) => {
            v.broken(breaks(req::CHAIN, format!("the signing certificate: {e}")));
            return;
        }
    };
    match cert::public_key(&leaf) {
        Ok(key) => {
            v.holds(req::ALGORITHM);
            if signature_verifies(bundle, subject, &key) {
                v.holds(req::SIGNATURE)
            } else {
                v.broken(breaks(
                    req::SIGNATURE,
                    "the signature does not verify with the signing certificate's key",
                ))
            }
        }
        Err(e) => v.broken(crate::trust::failure::key_failures(
            "the signing certificate's key",
            &e,
        )),
    }
    let (sans, issuer) = cert::identity(&leaf);
    v.signer = Some(Signer {
        identity: format!(
            "keyless {} (issuer {})",
            sans.join(", "),
            issuer.as_deref().unwrap_or("none")
        ),
        notes: Vec::new(),
    });
    match (&inputs.identity, &inputs.issuer) {
        (Some(id), Some(iss)) => {
            if !sans.iter().any(|s| s == id) {
                v.broken(breaks(
                    req::IDENTITY,
                    format!("the certificate names {sans:?}, not the expected identity {id:?}"),
                ));
            } else if issuer.as_deref() != Some(iss.as_str()) {
                v.broken(breaks(
                    req::IDENTITY,
                    format!("the certificate's OIDC issuer is {issuer:?}, not {iss:?}"),
                ));
            } else {
                v.holds(req::IDENTITY);
            }
        }
        _ => v.broken(undecided(
            req::IDENTITY,
            "a keyless signature needs the expected identity and issuer (--identity, --issuer)",
        )),
    }
    let root = match trusted_root(inputs) {
        Ok(r) => r,
        Err(e) => {
            v.broken(undecided(req::TLOG, e.clone()));
            v.broken(undecided(req::CHAIN, e));
            return;
        }
    };
    if bundle.tlog_entries.is_empty() {
        v.broken(breaks(
            req::TLOG,
            "a keyless bundle carries no transparency log entry",
        ));
    } else {
        v.push(
            req::TLOG,
            entries(bundle, &root, subject, &certs[0]).map(|_| ()),
        );
    }
    // The chain is judged at the time the log integrated the entry (as the bundle states it:
    // a bad entry is SIG-007's failure, not the chain's).
    let Some(at) = bundle.tlog_entries.first().map(|e| e.integrated_time) else {
        // SIG-005 judges the chain at the integrated time; without an entry there is none. The
        // chain's signatures are still checked, so a broken chain fails; otherwise undecided.
        let anchors: Vec<Vec<u8>> = root
            .authorities
            .iter()
            .flat_map(|a| a.certs.clone())
            .collect();
        v.broken(match cert::verify_chain(certs, &anchors, 0, false) {
            Err(e) => breaks(req::CHAIN, e.to_string()),
            Ok(_) => undecided(
                req::CHAIN,
                "the bundle has no transparency log entry, so there is no integrated time at which to judge the certificates' validity (SIG-007)",
            ),
        });
        return;
    };
    let anchors: Vec<Vec<u8>> = root
        .authorities
        .iter()
        .filter(|a| a.valid.contains(at))
        .flat_map(|a| a.certs.iter().cloned())
        .collect();
    if anchors.is_empty() {
        v.broken(breaks(
            req::CHAIN,
            "no certificate authority of the trusted root was valid at the integrated time",
        ));
        return;
    }
    v.push(
        req::CHAIN,
        cert::verify_chain(certs, &anchors, at, true)
            .map(|_| ())
            .map_err(|e| breaks(req::CHAIN, e.to_string())),
    );
}

#[cfg(test)]
mod tests;
