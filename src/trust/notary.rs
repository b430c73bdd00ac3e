//! Notary Project signatures in the JWS envelope (flattened JSON serialization), verified
//! offline against a trust store directory of PEM CA certificates and the level of its
//! `trustpolicy.json`. COSE envelopes are not read (reported as not decided).

use super::cert;
use super::codec::{b64, rfc3339, to_rfc3339};
use super::failure::{SigFailure, Signer, Verification, breaks, req, undecided};
use super::inputs::TrustInputs;
use super::keys::PublicKey;
use crate::digest::Digest;
use crate::vocabulary::{
    NOTARY_EXPIRY, NOTARY_PAYLOAD, NOTARY_SIGNING_SCHEME, NOTARY_SIGNING_TIME,
};
use ring::signature::{self, UnparsedPublicKey};
use serde_json::{Map, Value};
use std::path::Path;

/// Critical headers this profile understands.
const KNOWN_CRITICAL: &[&str] = &[NOTARY_SIGNING_SCHEME, NOTARY_EXPIRY];
/// Trust store bounds: files read and bytes per file.
const MAX_STORE_FILES: usize = 256;
const MAX_STORE_FILE: u64 = 1 << 20;

/// The enforcement level of the trust policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    Strict,
    Permissive,
    Audit,
}

/// The CA certificates of a trust store directory and its policy level.
pub(crate) fn load_trust_store(dir: &Path) -> Result<(Vec<Vec<u8>>, Level), String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let entries = std::fs::read_dir(dir).map_err(|e| {
        format!(
            "the Notary trust store {} cannot be read: {e}",
            dir.display()
        )
    })?;
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .take(MAX_STORE_FILES + 1)
        .collect();
    if files.len() > MAX_STORE_FILES {
        return Err(format!(
            "the Notary trust store has more than {MAX_STORE_FILES} files"
        ));
    }
    files.sort();
    let mut certs = Vec::new();
    let mut level = Level::Strict;
    for f in files {
        let bytes = crate::input::read_bounded(&f, MAX_STORE_FILE).map_err(|e| e.to_string())?;
        if f.file_name().is_some_and(|n| n == "trustpolicy.json") {
            level = policy_level(&bytes).map_err(|e| format!("{}: {e}", f.display()))?;
            continue;
        }
        for c in CertificateDer::pem_slice_iter(&bytes) {
            certs.push(c.map_err(|e| format!("{}: {e}", f.display()))?.to_vec());
        }
    }
    if certs.is_empty() {
        return Err(format!(
            "the Notary trust store {} holds no certificate",
            dir.display()
        ));
    }
    Ok((certs, level))
}

fn policy_level(bytes: &[u8]) -> Result<Level, String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    match v
        .pointer("/trustPolicies/0/signatureVerification/level")
        .and_then(Value::as_str)
    {
        None | Some("strict") => Ok(Level::Strict),
        Some("permissive") => Ok(Level::Permissive),
        Some("audit") => Ok(Level::Audit),
        Some(other) => Err(format!(
            "trust policy level {other:?} is not strict, permissive or audit"
        )),
    }
}

/// An ASN.1 DER ECDSA signature as the fixed-width `r || s` JWS uses.
pub(crate) fn ecdsa_der_to_fixed(der: &[u8], width: usize) -> Option<Vec<u8>> {
    let int = |b: &[u8]| -> Option<(Vec<u8>, usize)> {
        let &[0x02, len, ref rest @ ..] = b else {
            return None;
        };
        let v = rest.get(..len as usize)?;
        let v: Vec<u8> = v.iter().copied().skip_while(|x| *x == 0).collect();
        (v.len() <= width).then(|| {
            let mut out = vec![0; width - v.len()];
            out.extend(v);
            (out, 2 + len as usize)
        })
    };
    let body = match der {
        // P-521 signatures are longer than 127 bytes: the one-byte long form of the length.
        [0x30, 0x81, len, rest @ ..] if *len >= 0x80 && *len as usize == rest.len() => rest,
        [0x30, len, rest @ ..] if *len < 0x80 && *len as usize == rest.len() => rest,
        _ => return None,
    };
    let (r, used) = int(body)?;
    let (s, _) = int(&body[used..])?;
    Some([r, s].concat())
}

/// ES512: a fixed-width (66 + 66 bytes) P-521 signature, checked as the DER form keys verify.
fn es512_verify(spki_der: &[u8], message: &[u8], fixed: &[u8]) -> bool {
    if fixed.len() != 132 {
        return false;
    }
    let int = |b: &[u8]| {
        let b: Vec<u8> = b.iter().copied().skip_while(|x| *x == 0).collect();
        let mut v = if b.first().is_some_and(|x| x & 0x80 != 0) {
            vec![0]
        } else {
            Vec::new()
        };
        v.extend(b);
        crate::trust::der::tlv(0x02, &v)
    };
    let der = crate::trust::der::seq(&[int(&fixed[..66]), int(&fixed[66..])]);
    PublicKey::from_spki_der(spki_der).is_ok_and(|k| k.verify(message, &der))
}

/// Verify a Notary JWS signature of the manifest with `digest`.
pub(crate) fn verify(jws: &[u8], digest: &Digest, inputs: &TrustInputs) -> Verification {
    let mut v = Verification::default();
    let parsed = match envelope(jws) {
        Ok(p) => p,
        Err(e) => {
            v.broken(e);
            return v;
        }
    };
    v.holds(req::NOTARY_ENVELOPE);
    // SIG-003: the payload names the manifest.
    let target = serde_json::from_slice::<Value>(&parsed.payload)
        .ok()
        .and_then(|p| {
            p.pointer("/targetArtifact/digest")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
    if target.as_deref() == Some(digest.to_string().as_str()) {
        v.holds(req::SUBJECT);
    } else {
        v.broken(breaks(
            req::SUBJECT,
            format!("the Notary payload's targetArtifact is {target:?}, not {digest}"),
        ));
    }
    // SIG-004: the signature verifies with the leaf certificate's key.
    let leaf = cert::parse(&parsed.chain[0]).expect("checked by envelope()");
    let spki = leaf.public_key().subject_public_key.data.as_ref();
    let alg: &dyn signature::VerificationAlgorithm = match parsed.alg.as_str() {
        "ES256" => &signature::ECDSA_P256_SHA256_FIXED,
        "ES384" => &signature::ECDSA_P384_SHA384_FIXED,
        "PS256" => &signature::RSA_PSS_2048_8192_SHA256,
        "PS384" => &signature::RSA_PSS_2048_8192_SHA384,
        _ => &signature::RSA_PSS_2048_8192_SHA512,
    };
    let verified = if parsed.alg == "ES512" {
        // ring has no P-521: the key's own verifier (fixed-width r || s, as JWS writes it).
        es512_verify(
            leaf.public_key().raw,
            parsed.signing_input.as_bytes(),
            &parsed.signature,
        )
    } else {
        UnparsedPublicKey::new(alg, spki)
            .verify(parsed.signing_input.as_bytes(), &parsed.signature)
            .is_ok()
    };
    if verified {
        v.holds(req::SIGNATURE);
    } else {
        v.broken(breaks(
            req::SIGNATURE,
            "the JWS signature does not verify with the leaf certificate's key",
        ));
    }
    v.signer = Some(Signer {
        identity: format!("x509 {}", leaf.subject()),
        notes: Vec::new(),
    });
    // SIG-009: chain to the trust store, times under the policy level.
    let Some(dir) = &inputs.notary_trust_store else {
        v.broken(undecided(
            req::NOTARY_CHAIN,
            "no Notary trust store was given (--notary-trust-store)",
        ));
        return v;
    };
    let (anchors, level) = match load_trust_store(dir) {
        Ok(s) => s,
        Err(e) => {
            v.broken(undecided(req::NOTARY_CHAIN, e));
            return v;
        }
    };
    if level == Level::Audit {
        if let Some(s) = v.signer.as_mut() {
            s.notes
                .push("trust policy level audit: chain and times not enforced".into());
        }
        return v;
    }
    let strict = level == Level::Strict;
    v.push(
        req::NOTARY_CHAIN,
        chain_and_times(&parsed, &anchors, strict, inputs.now()),
    );
    if !strict
        && let Err(e) = chain_and_times(&parsed, &anchors, true, inputs.now())
        && let Some(s) = v.signer.as_mut()
    {
        s.notes
            .push(format!("permissive trust policy: {}", e.message()));
    }
    v
}

fn chain_and_times(
    p: &Parsed,
    anchors: &[Vec<u8>],
    strict: bool,
    now: i64,
) -> Result<(), SigFailure> {
    cert::verify_chain(&p.chain, anchors, p.signing_time, strict)
        .map_err(|e| breaks(req::NOTARY_CHAIN, e.to_string()))?;
    if strict
        && let Some(expiry) = p.expiry
        && now > expiry
    {
        return Err(breaks(
            req::NOTARY_CHAIN,
            format!("the signature expired at {}", to_rfc3339(expiry)),
        ));
    }
    Ok(())
}

struct Parsed {
    alg: String,
    payload: Vec<u8>,
    signing_input: String,
    signature: Vec<u8>,
    chain: Vec<Vec<u8>>,
    signing_time: i64,
    expiry: Option<i64>,
}

fn bad(m: impl Into<String>) -> SigFailure {
    breaks(req::NOTARY_ENVELOPE, m)
}

/// SIG-008: the envelope's form and headers.
fn envelope(jws: &[u8]) -> Result<Parsed, SigFailure> {
    let v: Map<String, Value> =
        serde_json::from_slice(jws).map_err(|e| bad(format!("not a JSON object: {e}")))?;
    for k in v.keys() {
        if !["payload", "protected", "header", "signature"].contains(&k.as_str()) {
            return Err(bad(format!(
                "{k:?} is not a member of the flattened JWS serialization"
            )));
        }
    }
    let field = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .ok_or_else(|| bad(format!("the JWS has no {k}")))
    };
    let (protected_b64, payload_b64) = (field("protected")?, field("payload")?);
    let signature = b64(field("signature")?).map_err(|e| bad(format!("signature: {e}")))?;
    let payload = b64(payload_b64).map_err(|e| bad(format!("payload: {e}")))?;
    let protected: Map<String, Value> = b64(protected_b64)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| bad("the protected header is not base64url JSON"))?;
    let text = |k: &str| protected.get(k).and_then(Value::as_str);
    if text("cty") != Some(NOTARY_PAYLOAD) {
        return Err(bad(format!(
            "the content type is {:?}, not {NOTARY_PAYLOAD}",
            text("cty")
        )));
    }
    if text(NOTARY_SIGNING_SCHEME) != Some("notary.x509") {
        return Err(bad(format!(
            "the signing scheme is {:?}; this profile reads notary.x509",
            text(NOTARY_SIGNING_SCHEME)
        )));
    }
    let crit: Vec<&str> = protected
        .get("crit")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("the protected header has no crit list"))?
        .iter()
        .map(|c| {
            c.as_str()
                .ok_or_else(|| bad("a crit entry is not a string"))
        })
        .collect::<Result<_, _>>()?;
    if !crit.contains(&NOTARY_SIGNING_SCHEME) {
        return Err(bad("crit does not list the signing scheme"));
    }
    for c in &crit {
        if !KNOWN_CRITICAL.contains(c) {
            return Err(bad(format!(
                "critical header {c:?} is not one this profile understands"
            )));
        }
        if !protected.contains_key(*c) {
            return Err(bad(format!(
                "critical header {c:?} is listed in crit but absent"
            )));
        }
    }
    let signing_time = text(NOTARY_SIGNING_TIME)
        .ok_or_else(|| bad("notary.x509 needs a signing time"))
        .and_then(|t| rfc3339(t).map_err(bad))?;
    let expiry = text(NOTARY_EXPIRY).map(rfc3339).transpose().map_err(bad)?;
    let chain = v
        .get("header")
        .and_then(|h| h.get("x5c"))
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| bad("the unprotected header has no x5c certificate chain"))?
        .iter()
        .map(|c| {
            c.as_str()
                .and_then(|s| b64(s).ok())
                .ok_or_else(|| bad("an x5c entry is not base64"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let leaf = cert::parse(&chain[0]).map_err(|e| bad(format!("the leaf certificate: {e}")))?;
    let alg = text("alg").unwrap_or_default().to_string();
    let key_alg = leaf.public_key().algorithm.algorithm.to_id_string();
    let curve = leaf
        .public_key()
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|o| o.to_id_string());
    let fits = match alg.as_str() {
        "ES256" => curve.as_deref() == Some("1.2.840.10045.3.1.7"),
        "ES384" => curve.as_deref() == Some("1.3.132.0.34"),
        "ES512" => curve.as_deref() == Some("1.3.132.0.35"),
        "PS256" | "PS384" | "PS512" => key_alg == "1.2.840.113549.1.1.1",
        _ => {
            return Err(bad(format!(
                "alg {alg:?} is not ES256, ES384, ES512, PS256, PS384 or PS512"
            )));
        }
    };
    if !fits {
        return Err(bad(format!(
            "alg {alg} does not match the leaf certificate's key"
        )));
    }
    Ok(Parsed {
        alg,
        payload,
        signing_input: format!("{protected_b64}.{payload_b64}"),
        signature,
        chain,
        signing_time,
        expiry,
    })
}

#[cfg(test)]
mod tests;
