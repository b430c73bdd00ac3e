//! Trust: the inputs a user trusts (keys, roots, policies) and the cryptographic envelopes that
//! evidence arrives in. Verifiers of each evidence family (signatures, provenance, reports) build
//! on these; none of them ever trusts a key that the evidence itself names.

pub mod dsse;
pub mod inputs;
pub mod keys;
