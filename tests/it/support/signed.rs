//! Shared by tests/it/attach.rs and tests/it/verify_bundle.rs: bytes signed with the TEST-ONLY key of
//! `ai_interop::fixtures::testpki`, as a message signature and as a DSSE Statement naming their
//! digest, written next to the key's PEM.

use ai_interop::digest::Digest;
use ai_interop::fixtures::testpki::{BundleVariant, Signs, TestPki, bundle};
use serde_json::json;
use std::path::Path;

/// Paths of `message.json`, `dsse.json` and `key.pub` written into `dir`.
pub struct Signed {
    pub message: String,
    pub dsse: String,
    pub key: String,
}

pub fn sign(dir: &Path, bytes: &[u8]) -> Signed {
    let pki = TestPki::new();
    let message = bundle(
        &pki,
        Signs::Message(bytes),
        Some(&pki.key),
        BundleVariant::Good,
    );
    let statement = json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "signed", "digest": {"sha256": Digest::sha256_of(bytes).encoded()}}],
        "predicateType": "https://ai-interop.test-only.invalid/signed/v1",
        "predicate": {},
    });
    let dsse = bundle(
        &pki,
        Signs::Statement(&statement),
        Some(&pki.key),
        BundleVariant::Good,
    );
    let write = |name: &str, content: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, content).unwrap();
        p.display().to_string()
    };
    Signed {
        message: write("message.json", &message),
        dsse: write("dsse.json", &dsse),
        key: write("key.pub", pki.key.public_key_pem().as_bytes()),
    }
}
