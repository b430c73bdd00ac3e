//! Why a signature did not verify, as one requirement of `spec/v1.0/signatures.md`.
//!
//! Every verifier returns either the verified signer or a [`SigFailure`]: the requirement the
//! evidence breaks, or — when the consumer did not supply the trust input the signature needs —
//! an undecidable outcome that the checks report as `error`, never as `fail` or `pass`.

/// A verification outcome other than success.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigFailure {
    /// The evidence breaks one requirement.
    #[error("{requirement}: {message}")]
    Breaks {
        requirement: &'static str,
        message: String,
    },
    /// A trust input is missing or unusable: the requirement cannot be decided.
    #[error("{requirement} cannot be decided: {message}")]
    Undecided {
        requirement: &'static str,
        message: String,
    },
}

impl SigFailure {
    pub fn requirement(&self) -> &'static str {
        match self {
            SigFailure::Breaks { requirement, .. } | SigFailure::Undecided { requirement, .. } => {
                requirement
            }
        }
    }
    pub(crate) fn message(&self) -> &str {
        match self {
            SigFailure::Breaks { message, .. } | SigFailure::Undecided { message, .. } => message,
        }
    }
}

/// Shorthand constructors, one per requirement family.
pub(crate) fn breaks(requirement: &'static str, message: impl Into<String>) -> SigFailure {
    SigFailure::Breaks {
        requirement,
        message: message.into(),
    }
}

pub(crate) fn undecided(requirement: &'static str, message: impl Into<String>) -> SigFailure {
    SigFailure::Undecided {
        requirement,
        message: message.into(),
    }
}

/// The failures of a signature whose signer key could not be used: an algorithm the contract does
/// not profile is SIG-020's failure, and SIG-004 does not reach such a signature (SIG-020 says
/// so); a malformed key is SIG-004's.
pub(crate) fn key_failures(what: &str, e: &crate::trust::keys::KeyError) -> SigFailure {
    use crate::trust::keys::KeyError;
    match e {
        KeyError::Unsupported(_) => breaks(req::ALGORITHM, format!("{what}: {e}")),
        _ => breaks(req::SIGNATURE, format!("{what}: {e}")),
    }
}

/// Requirement IDs of the signature verifiers.
pub(crate) mod req {
    pub(crate) const PRESENT: &str = "SIG-001";
    pub(crate) const BUNDLE_FORM: &str = "SIG-002";
    pub(crate) const SUBJECT: &str = "SIG-003";
    pub(crate) const SIGNATURE: &str = "SIG-004";
    pub(crate) const CHAIN: &str = "SIG-005";
    pub(crate) const IDENTITY: &str = "SIG-006";
    pub(crate) const TLOG: &str = "SIG-007";
    pub(crate) const NOTARY_ENVELOPE: &str = "SIG-008";
    pub(crate) const NOTARY_CHAIN: &str = "SIG-009";
    pub(crate) const OMS_STATEMENT: &str = "SIG-010";
    pub(crate) const OMS_BRIDGE: &str = "SIG-011";
    pub(crate) const LEGACY: &str = "SIG-012";
    pub(crate) const TIMESTAMP: &str = "SIG-013";
    pub(crate) const TSA_WINDOW: &str = "SIG-014";
    pub(crate) const VERIFIED_TIME: &str = "SIG-015";
    pub(crate) const CHECKPOINT_SIGNATURE: &str = "SIG-016";
    pub(crate) const CHECKPOINT_KEY_HINT: &str = "SIG-017";
    pub(crate) const SCT: &str = "SIG-018";
    pub(crate) const NO_ROOT_IN_CHAIN: &str = "SIG-019";
    pub(crate) const ALGORITHM: &str = "SIG-020";
    pub(crate) const OMS_CERT: &str = "SIG-021";
}

/// What a verified signature says about who signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// Human-readable: "key sha256:…", "keyless alice@example.com (issuer …)", "x509 CN=…".
    pub identity: String,
    /// Notes for the report (e.g. a permissive trust policy let a time check pass).
    pub notes: Vec<String>,
}

/// The outcome of verifying one signature: a result per requirement it reached. Requirements a
/// signature does not reach (a keyless rule for a key-based bundle, or a rule after a parse
/// failure) have no entry.
#[derive(Debug, Clone, Default)]
pub struct Verification {
    pub results: Vec<(&'static str, Option<SigFailure>)>,
    pub signer: Option<Signer>,
}

impl Verification {
    pub(crate) fn holds(&mut self, requirement: &'static str) {
        self.results.push((requirement, None));
    }
    pub(crate) fn push(&mut self, requirement: &'static str, r: Result<(), SigFailure>) {
        self.results.push((requirement, r.err()));
    }
    pub(crate) fn broken(&mut self, f: SigFailure) {
        self.results.push((f.requirement(), Some(f)));
    }
    /// Every requirement reached holds.
    pub fn verified(&self) -> bool {
        !self.results.is_empty() && self.results.iter().all(|(_, f)| f.is_none())
    }
    /// The failures, in the order found.
    pub fn failures(&self) -> impl Iterator<Item = &SigFailure> {
        self.results.iter().filter_map(|(_, f)| f.as_ref())
    }
}
