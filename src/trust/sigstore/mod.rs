//! Sigstore bundles verified offline: key-based against the consumer's keys, keyless against a
//! local `trusted_root.json` (certificate chain at the integrated time, transparency log entry,
//! identity policy). Key hints in a bundle are never trusted.
//!
//! The `sigstore` crate is not used: its bundle verifier neither checks inclusion proofs nor
//! SETs and refuses public-key bundles, and it brings a large dependency tree; what we need is a
//! few hundred lines on ring, x509-parser and our RFC 6962 code.

pub mod bundle;
pub(crate) mod sct;
pub mod tlog;
pub mod trusted_root;
pub(crate) mod tsa;

use crate::digest::Digest;
use crate::trust::cert;
use crate::trust::codec::unhex;
use crate::trust::failure::{SigFailure, Signer, Verification, breaks, req, undecided};
use crate::trust::inputs::TrustInputs;
use crate::trust::keys::PublicKey;
use crate::vocabulary::{IN_TOTO, IN_TOTO_STATEMENT_V01, IN_TOTO_STATEMENT_V1};
use bundle::{Bundle, Content, Material};
use serde_json::Value;
use trusted_root::TrustedRoot;

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
        let statement = (env.payload_type == IN_TOTO)
            .then(|| serde_json::from_slice::<Value>(&env.payload).ok())
            .flatten()
            .filter(|s| {
                let t = s.get("_type").and_then(Value::as_str);
                t == Some(IN_TOTO_STATEMENT_V1) || t == Some(IN_TOTO_STATEMENT_V01)
            });
        match statement {
            Some(s) => out.statement = Some(s),
            None => {
                v.broken(breaks(
                    req::BUNDLE_FORM,
                    format!(
                        "the DSSE payload ({}) is not an in-toto Statement (v1 or v0.1)",
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
        Content::Dsse(env) => env.verify(IN_TOTO, std::slice::from_ref(key)).is_ok(),
    }
}

fn dsse_payload(bundle: &Bundle) -> Option<(&str, &[u8])> {
    match &bundle.content {
        Content::Dsse(env) => Some((env.payload_type.as_str(), env.payload.as_slice())),
        Content::Message { .. } => None,
    }
}

fn artifact_sha256(subject: Option<Signed<'_>>) -> Option<Vec<u8>> {
    subject.and_then(|s| unhex(s.digest.encoded()).ok())
}

/// Verify the transparency log entries and RFC 3161 timestamps of a bundle against the root,
/// recording SIG-007, SIG-013…SIG-017 as reached. Returns the verified times (RFC 3161 times,
/// and integrated times a signed entry timestamp vouches for), or `None` when some evidence
/// failed or a threshold was not met.
fn evidence(
    bundle: &Bundle,
    root: &TrustedRoot,
    subject: Option<Signed<'_>>,
    verifier_der: &[u8],
    keyless: bool,
    inputs: &TrustInputs,
    v: &mut Verification,
) -> Option<Vec<i64>> {
    let defaults = usize::from(keyless);
    let digest = artifact_sha256(subject);
    let want = tlog::Expected {
        artifact_sha256: digest.as_deref(),
        dsse_payload: dsse_payload(bundle),
        signature: bundle.signature(),
        verifier_der,
    };
    let mut ok = true;
    let mut logs: Vec<String> = Vec::new();
    let mut times: Vec<(String, i64)> = Vec::new();
    let mut checkpoints = false;
    for (i, e) in bundle.tlog_entries.iter().enumerate() {
        match tlog::verify_entry(e, root, &want) {
            Ok(t) => {
                checkpoints |= e.proof.is_some();
                if let Some(time) = t.time
                    && !times.iter().any(|(l, _)| *l == t.log)
                {
                    times.push((t.log.clone(), time));
                }
                if !logs.contains(&t.log) {
                    logs.push(t.log);
                }
            }
            Err(f) => {
                ok = false;
                v.broken(breaks(
                    f.requirement(),
                    format!("transparency log entry {i}: {}", f.message()),
                ));
            }
        }
    }
    if ok {
        if checkpoints {
            v.holds(req::CHECKPOINT_KEY_HINT);
            v.holds(req::CHECKPOINT_SIGNATURE);
        }
        let need = inputs.thresholds.tlog_entries.unwrap_or(defaults);
        if logs.len() < need {
            ok = false;
            v.broken(breaks(
                req::TLOG,
                if keyless && logs.is_empty() {
                    "a keyless bundle carries no transparency log entry".to_string()
                } else {
                    format!(
                        "{} transparency log(s) vouch for the bundle; the policy asks for {need}",
                        logs.len()
                    )
                },
            ));
        } else if need > 0 || !logs.is_empty() {
            v.holds(req::TLOG);
        }
    }
    if !ok {
        // A failed entry is SIG-007's (or SIG-016/017's) finding; time is then not reached.
        return None;
    }
    let mut stamped = true;
    for (i, der) in bundle.timestamps.iter().enumerate() {
        match tsa::verify(der, bundle.signature(), root) {
            Ok(t) => {
                if !times.iter().any(|(u, _)| *u == t.uri) {
                    times.push((t.uri, t.time));
                }
            }
            Err(e) => {
                stamped = false;
                let r = match e {
                    tsa::TimestampError::OutsideWindow { .. } => req::TSA_WINDOW,
                    _ => req::TIMESTAMP,
                };
                v.broken(breaks(r, format!("RFC 3161 timestamp {i}: {e}")));
            }
        }
    }
    if !stamped {
        return None;
    }
    if !bundle.timestamps.is_empty() {
        v.holds(req::TIMESTAMP);
        v.holds(req::TSA_WINDOW);
    }
    let need = inputs.thresholds.timestamps.unwrap_or(defaults);
    if times.len() < need {
        v.broken(breaks(
            req::VERIFIED_TIME,
            format!(
                "the bundle carries {} verified time(s) (RFC 3161 timestamps, or integrated times with a signed entry timestamp); {need} are required",
                times.len()
            ),
        ));
        return None;
    }
    if need > 0 || !times.is_empty() {
        v.holds(req::VERIFIED_TIME);
    }
    Some(times.into_iter().map(|(_, t)| t).collect())
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
    let t = inputs.thresholds;
    if bundle.tlog_entries.is_empty()
        && bundle.timestamps.is_empty()
        && t.tlog_entries.unwrap_or(0) == 0
        && t.timestamps.unwrap_or(0) == 0
    {
        return;
    }
    match trusted_root(inputs) {
        Err(e) => v.broken(undecided(req::TLOG, e)),
        Ok(root) => {
            evidence(bundle, &root, subject, &key.spki_der, false, inputs, v);
        }
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
    v.push(req::NO_ROOT_IN_CHAIN, no_root_in_chain(certs));
    scts(&leaf, certs, &root, inputs, v);
    let Some(times) = evidence(bundle, &root, subject, &certs[0], true, inputs, v) else {
        // SIG-005 judges the chain at the bundle's verified times. When a log entry or timestamp
        // fails, that is its own requirement's finding and the chain is not reached. A bundle
        // with no log entry and no timestamp at all still has its chain's signatures checked,
        // so a broken chain fails; otherwise the requirement is undecided, not inapplicable.
        if !bundle.tlog_entries.is_empty() || !bundle.timestamps.is_empty() {
            return;
        }
        let anchors: Vec<Vec<u8>> = root
            .authorities
            .iter()
            .flat_map(|a| a.certs.clone())
            .collect();
        v.broken(match cert::verify_chain(certs, &anchors, 0, false) {
            Err(e) => breaks(req::CHAIN, e.to_string()),
            Ok(_) => undecided(
                req::CHAIN,
                "the bundle has no verified time (SIG-007, SIG-015), so there is no time at which to judge the certificates' validity",
            ),
        });
        return;
    };
    // The chain is judged at every verified time (a bad entry or timestamp is SIG-007's or
    // SIG-013's failure, not the chain's). When the policy asks for no verified time and none
    // was found, it is judged at the verification time, as the clients do.
    let times = if times.is_empty() {
        vec![inputs.now()]
    } else {
        times
    };
    let mut result = Ok(());
    for &at in &times {
        let anchors: Vec<Vec<u8>> = root
            .authorities
            .iter()
            .filter(|a| a.valid.contains(at))
            .flat_map(|a| a.certs.iter().cloned())
            .collect();
        if anchors.is_empty() {
            result = Err(breaks(
                req::CHAIN,
                format!(
                    "no certificate authority of the trusted root was valid at the verified time {}",
                    crate::trust::codec::to_rfc3339(at)
                ),
            ));
            break;
        }
        if let Err(e) = cert::verify_chain(certs, &anchors, at, true) {
            result = Err(breaks(req::CHAIN, e.to_string()));
            break;
        }
    }
    v.push(req::CHAIN, result);
}

/// SIG-019: the chain a bundle carries ends below the root: a self-signed certificate in it is
/// refused, as the Sigstore clients refuse it (the root comes from the trusted root only).
fn no_root_in_chain(certs: &[Vec<u8>]) -> Result<(), SigFailure> {
    for (i, der) in certs.iter().enumerate() {
        if let Ok(c) = cert::parse(der)
            && c.subject() == c.issuer()
            && c.verify_signature(None).is_ok()
        {
            return Err(breaks(
                req::NO_ROOT_IN_CHAIN,
                format!(
                    "certificate {i} of the bundle's chain ({}) is a self-signed root; a bundle carries its chain without the root",
                    c.subject()
                ),
            ));
        }
    }
    Ok(())
}

/// SIG-018: the signing certificate carries SCTs of enough CT logs of the trusted root.
fn scts(
    leaf: &x509_parser::certificate::X509Certificate<'_>,
    certs: &[Vec<u8>],
    root: &TrustedRoot,
    inputs: &TrustInputs,
    v: &mut Verification,
) {
    let need = inputs.thresholds.scts.unwrap_or(1);
    let candidates: Vec<&[u8]> = certs[1..]
        .iter()
        .chain(root.authorities.iter().flat_map(|a| a.certs.iter()))
        .map(Vec::as_slice)
        .collect();
    let result = match sct::issuer_spki(leaf, &candidates) {
        None if need == 0 => return,
        None => Err(sct::SctError::NoIssuer.to_string()),
        Some(spki) => match sct::verify_embedded(&certs[0], &spki, root) {
            Ok(n) if n >= need => Ok(n),
            Ok(n) => Err(format!(
                "the signing certificate carries {n} verifiable SCT(s) from CT logs of the trusted root; {need} are required"
            )),
            Err(e) => Err(e.to_string()),
        },
    };
    match result {
        Ok(0) => {}
        Ok(_) => v.holds(req::SCT),
        Err(m) => v.broken(breaks(req::SCT, m)),
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_v2;
