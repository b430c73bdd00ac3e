//! What the user trusts, as given on the command line or in a policy file. Everything here is
//! local: a trust input is never fetched, so verification works the same in an air-gapped site.

use super::failure::{SigFailure, breaks, req};
use super::keys::{PublicKey, SUPPORTED};
use std::path::PathBuf;

/// One trust input as read from disk, with where it came from (for findings).
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub path: PathBuf,
    pub value: T,
}

/// The trust inputs of one evaluation. An empty value means "nothing trusted": evidence that needs
/// a trust input is then an `error` of the requirement (the suite could not decide), never a pass.
#[derive(Debug, Clone, Default)]
pub struct TrustInputs {
    /// Sigstore trusted root (`trusted_root.json`), raw bytes; interpreted by the Sigstore verifier.
    pub trusted_root: Option<Loaded<Vec<u8>>>,
    /// Trusted public keys (`--key`, repeatable).
    pub keys: Vec<Loaded<PublicKey>>,
    /// Trusted keys of an algorithm this suite does not verify, with the reason. Kept (not a usage
    /// error) so that the signature they were meant for is reported as a finding (SIG-020).
    pub unsupported_keys: Vec<Loaded<String>>,
    /// CA certificates (DER) of a private PKI that OpenSSF model signing certificate signatures
    /// chain to (`omsCertificateChain`, `--oms-certificate-chain`).
    pub oms_anchors: Vec<Loaded<Vec<u8>>>,
    /// Notary Project trust store: a directory of PEM CA certificates.
    pub notary_trust_store: Option<PathBuf>,
    /// Expected signer identity for keyless signatures (certificate SAN).
    pub identity: Option<String>,
    /// Expected OIDC issuer for keyless signatures.
    pub issuer: Option<String>,
    /// Policy file the inputs were read from, if any.
    pub policy: Option<PathBuf>,
    /// Verification time in seconds since the Unix epoch; `None` means now. Fixtures pin it so
    /// that certificates in committed evidence do not expire under the tests.
    pub verification_time: Option<i64>,
    /// `--offline`: the evaluation must not open a socket.
    pub offline: bool,
    /// Sigstore evidence thresholds from the policy; unset ones take the clients' defaults.
    pub thresholds: Thresholds,
}

/// How much independent Sigstore evidence a bundle must carry (`sigstoreThresholds`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Thresholds {
    #[serde(default)]
    pub tlog_entries: Option<usize>,
    #[serde(default)]
    pub timestamps: Option<usize>,
    #[serde(default)]
    pub scts: Option<usize>,
}

impl TrustInputs {
    /// The trusted public keys, without their paths.
    pub(crate) fn public_keys(&self) -> Vec<PublicKey> {
        self.keys.iter().map(|k| k.value.clone()).collect()
    }

    /// When the only trusted keys are of algorithms this suite does not verify: SIG-020's failure
    /// naming them (a finding, where a usage error would leave no report). SIG-004 does not reach
    /// the signature, as SIG-020 says.
    pub(crate) fn only_unsupported_keys(&self) -> Option<SigFailure> {
        if !self.keys.is_empty() || self.unsupported_keys.is_empty() {
            return None;
        }
        let list: Vec<String> = self
            .unsupported_keys
            .iter()
            .map(|k| format!("{} ({})", k.path.display(), k.value))
            .collect();
        Some(breaks(
            req::ALGORITHM,
            format!(
                "the trusted key(s) {} are of an algorithm the contract does not profile (supported: {SUPPORTED}), so the signature could not be checked",
                list.join(", ")
            ),
        ))
    }

    /// The verification time in seconds since the Unix epoch.
    pub(crate) fn now(&self) -> i64 {
        self.verification_time
            .unwrap_or_else(|| chrono::Utc::now().timestamp())
    }
}
