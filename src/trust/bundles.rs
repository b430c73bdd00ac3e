//! One verifier of a Sigstore bundle as evidence, whichever way it arrived: a referrer of a
//! manifest (`check`) or a file next to the blob it signs (`verify-bundle`). Both entry points
//! call [`verify`], so they accept and refuse the same bundles with the same messages.

use super::failure::{Verification, req};
use super::inputs::TrustInputs;
use super::oms;
use super::sigstore::{self, Signed, bundle::Bundle};
use crate::vocabulary::OMS_SIGNATURE_PREDICATE;
use serde_json::Value;

/// A verified (or not) bundle.
#[derive(Debug)]
pub struct Outcome {
    pub verification: Verification,
    /// An OpenSSF model signing bundle: it signs files, not `subject`.
    pub is_oms: bool,
}

/// Verify `bytes` as a Sigstore bundle of `subject`. An OMS bundle signs files instead: SIG-010
/// and SIG-011 (its files compared with `against`) replace SIG-003, and a private-PKI
/// certificate signature is judged by SIG-021 instead of the keyless rules.
pub fn verify(
    bytes: &[u8],
    subject: Signed<'_>,
    against: oms::Against<'_>,
    inputs: &TrustInputs,
) -> Outcome {
    let mut bv = sigstore::verify(bytes, Some(subject), inputs);
    let statement = bv.statement.take();
    let is_oms = statement
        .as_ref()
        .and_then(|s| s.get("predicateType"))
        .and_then(Value::as_str)
        == Some(OMS_SIGNATURE_PREDICATE);
    let mut verification = bv.verification;
    if let (true, Some(st)) = (is_oms, statement) {
        verification.results.retain(|(rq, _)| *rq != req::SUBJECT);
        if let Ok(bundle) = Bundle::parse(bytes)
            && oms::is_private_pki(&bundle)
        {
            oms::private_pki(&mut verification, &bundle, inputs);
        }
        oms::judge(&mut verification, &st, against);
    }
    Outcome {
        verification,
        is_oms,
    }
}
