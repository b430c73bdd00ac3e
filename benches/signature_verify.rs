//! Time to verify one keyless Sigstore bundle offline (message signature over a manifest):
//! bundle parse, certificate chain to the trusted root, transparency log entry (body, RFC 6962
//! audit path, signed checkpoint, SET), embedded SCT and identity policy; and the same for a
//! Rekor v2 bundle (signed-note checkpoint, RFC 3161 timestamp instead of a SET). Test-only
//! material from `ai_interop::fixtures::testpki` and `testpki::sigstore`.
//!
//! ```text
//! cargo bench --bench signature_verify
//! ```

use ai_interop::digest::Digest;
use ai_interop::fixtures::testpki::{
    BundleVariant, IDENTITY, ISSUER, Signs, TestPki, VERIFY_AT, bundle,
};
use ai_interop::trust::inputs::{Loaded, TrustInputs};
use ai_interop::trust::sigstore::{Signed, verify};
use std::time::Instant;

fn main() {
    let pki = TestPki::new();
    let manifest =
        br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}"#;
    let digest = Digest::sha256_of(manifest);
    let b = bundle(&pki, Signs::Message(manifest), None, BundleVariant::Good);
    let inputs = TrustInputs {
        trusted_root: Some(Loaded {
            path: "trusted_root.json".into(),
            value: pki.trusted_root_json(),
        }),
        identity: Some(IDENTITY.into()),
        issuer: Some(ISSUER.into()),
        verification_time: Some(VERIFY_AT),
        ..Default::default()
    };
    let subject = Signed {
        digest: &digest,
        bytes: manifest,
    };
    let reps: u32 = std::env::var("AI_INTEROP_BENCH_REPS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(500);
    assert!(verify(&b, Some(subject), &inputs).verification.verified());
    let start = Instant::now();
    for _ in 0..reps {
        let v = verify(&b, Some(subject), &inputs);
        assert!(v.verification.verified());
    }
    let per = start.elapsed() / reps;
    println!(
        "keyless Sigstore bundle, Rekor v1 ({} bytes): {per:?} per verification ({reps} reps)",
        b.len()
    );
    let v2 = ai_interop::fixtures::testpki::sigstore::bundle_v2(
        &pki,
        Signs::Message(manifest),
        ai_interop::fixtures::testpki::sigstore::V2Variant::Good,
    );
    assert!(verify(&v2, Some(subject), &inputs).verification.verified());
    let start = Instant::now();
    for _ in 0..reps {
        assert!(verify(&v2, Some(subject), &inputs).verification.verified());
    }
    let per = start.elapsed() / reps;
    println!(
        "keyless Sigstore bundle, Rekor v2 + RFC 3161 timestamp ({} bytes): {per:?} per verification ({reps} reps)",
        v2.len()
    );
}
