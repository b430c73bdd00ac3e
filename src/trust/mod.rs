//! Trust: the inputs a user trusts (keys, roots, policies) and the cryptographic envelopes that
//! evidence arrives in. Verifiers of each evidence family (signatures, provenance, reports) build
//! on these; none of them ever trusts a key that the evidence itself names.

pub mod asn1;
pub mod bundles;
pub mod cert;
pub mod codec;
pub mod cosign;
pub mod der;
pub mod dsse;
pub mod failure;
pub mod inputs;
pub mod keys;
pub mod merkle;
pub mod model_dir;
pub mod notary;
pub mod oms;
pub mod openness;
pub mod policy;
pub mod provenance;
pub mod sbom;
pub mod sigstore;
