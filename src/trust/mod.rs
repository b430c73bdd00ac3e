//! Trust: the inputs a user trusts (keys, roots, policies) and the cryptographic envelopes that
//! evidence arrives in. Verifiers of each evidence family (signatures, provenance, reports) build
//! on these; none of them ever trusts a key that the evidence itself names.

pub(crate) mod asn1;
pub(crate) mod bundles;
pub(crate) mod cert;
pub(crate) mod codec;
pub(crate) mod cosign;
pub(crate) mod der;
pub mod dsse;
pub(crate) mod failure;
pub mod inputs;
pub mod keys;
pub(crate) mod merkle;
pub(crate) mod model_dir;
pub(crate) mod notary;
pub(crate) mod oms;
pub(crate) mod openness;
pub(crate) mod policy;
pub(crate) mod provenance;
pub(crate) mod sbom;
pub mod sigstore;
