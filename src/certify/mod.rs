//! Certification: signed conformance reports and their verifier.
//!
//! `ai-interop report sign` wraps an in-toto Statement v1 in a DSSE envelope. The statement's
//! subjects are the exact bytes of `report.json` (sha256) and, for an artifact, its manifest
//! digest; the predicate repeats what the report claims (suite, spec, target, profile, roll-ups)
//! so a reader of the envelope alone knows what was signed.
//!
//! `ai-interop report verify` accepts a report only when all of these hold:
//!
//! 1. a signature over the envelope verifies with a public key the verifier was given (never a
//!    key the envelope names);
//! 2. the statement's subjects match the report's bytes and its manifest digest, and the
//!    predicate matches the report;
//! 3. every roll-up recomputes from the raw results ([`recompute`]): the requirement set is the
//!    spec's for the claimed profile, each verdict follows from its findings or fixture cases,
//!    and the profile results and summary follow from the verdicts;
//! 4. the suite version, spec version, schemas digest and fixtures digest belong to a known
//!    release ([`release`]).

pub mod recompute;
pub(crate) mod release;
pub mod statement;

use crate::report::ConformanceReport;
use crate::spec::Catalog;
use crate::trust::dsse::Envelope;
use crate::trust::keys::{PublicKey, SigningKey};
use crate::vocabulary::IN_TOTO;
use std::path::Path;

/// Why bytes are not a conformance report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("not JSON: {0}")]
    NotJson(serde_json::Error),
    #[error("not valid against report.schema.json ({count} violation(s)), first: {first}")]
    Invalid { count: usize, first: String },
    #[error("{0}")]
    Model(serde_json::Error),
}

/// Why a file is not a set of trusted public keys.
#[derive(Debug, thiserror::Error)]
pub enum PublicKeysError {
    #[error("not a PEM text file")]
    NotText,
    #[error("unterminated PUBLIC KEY block")]
    Unterminated,
    #[error("{0}")]
    Key(crate::trust::keys::KeyError),
    #[error("no -----BEGIN PUBLIC KEY----- block")]
    NoBlock,
}

/// Why a report could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("report.json is not a conformance report: {0}")]
    NotAReport(String),
    #[error("refusing to sign a report that does not hold together: {}", .0.join("; "))]
    Inconsistent(Vec<String>),
}

/// Parse `report.json`: valid against the embedded report schema, then into the model.
pub fn parse_report(bytes: &[u8]) -> Result<ConformanceReport, ReportError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(ReportError::NotJson)?;
    let violations = crate::schemas::validate(crate::schemas::SchemaKind::Report, &value);
    if let Some(v) = violations.first() {
        return Err(ReportError::Invalid {
            count: violations.len(),
            first: v.to_string(),
        });
    }
    serde_json::from_value(value).map_err(ReportError::Model)
}

/// Sign the exact bytes of a report. The report must recompute: a signature vouches for a
/// report that holds together, never for one that does not.
pub fn sign(report_bytes: &[u8], key: &SigningKey) -> Result<Envelope, SignError> {
    let report = parse_report(report_bytes).map_err(|e| SignError::NotAReport(e.to_string()))?;
    let problems = recompute::problems(&report, Catalog::embedded());
    if !problems.is_empty() {
        return Err(SignError::Inconsistent(problems));
    }
    let statement = statement::for_report(report_bytes, &report);
    let payload = serde_json::to_vec(&statement).expect("a statement serializes");
    Ok(Envelope::sign(IN_TOTO, payload, key))
}

/// The outcome of verifying a signed report: every check with its result.
#[derive(Debug, Clone, Default)]
pub struct Verification {
    /// `(check, Ok(detail) | Err(reason))`, in the order they ran.
    pub checks: Vec<(&'static str, Result<String, String>)>,
}

impl Verification {
    pub fn verified(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|(_, r)| r.is_ok())
    }

    /// Every reason for refusal.
    pub fn refusals(&self) -> Vec<String> {
        self.checks
            .iter()
            .filter_map(|(name, r)| r.as_ref().err().map(|e| format!("{name}: {e}")))
            .collect()
    }

    fn push(&mut self, name: &'static str, result: Result<String, String>) {
        self.checks.push((name, result));
    }
}

/// Verify a report and its envelope against trusted keys. `fixtures` is the fixture tree this
/// verifier treats as the current release's (its digest is known besides the table's).
pub fn verify(
    report_bytes: &[u8],
    envelope_bytes: &[u8],
    trusted: &[PublicKey],
    fixtures: Option<&Path>,
) -> Verification {
    let mut v = Verification::default();
    let envelope = match Envelope::parse(envelope_bytes) {
        Ok(e) => e,
        Err(e) => {
            v.push("signature", Err(e.to_string()));
            return v;
        }
    };
    match envelope.verify(IN_TOTO, trusted) {
        Ok(i) => v.push(
            "signature",
            Ok(format!("verifies with trusted key {}", trusted[i].key_id())),
        ),
        Err(e) => {
            v.push("signature", Err(e.to_string()));
            return v;
        }
    }
    let report = match parse_report(report_bytes) {
        Ok(r) => r,
        Err(e) => {
            v.push("report", Err(e.to_string()));
            return v;
        }
    };
    v.push(
        "subject",
        statement::check(&envelope.payload, report_bytes, &report),
    );
    let problems = recompute::problems(&report, Catalog::embedded());
    v.push(
        "roll-ups",
        if problems.is_empty() {
            Ok(format!(
                "{} requirement verdicts, {} tests and {} profile roll-ups recomputed",
                report.requirements.len(),
                report.tests.len(),
                report.profiles.len()
            ))
        } else {
            Err(problems.join("; "))
        },
    );
    v.push("release", release::check(&report, fixtures));
    v
}

/// Read a PEM file of trusted public keys (one `PUBLIC KEY` block per key).
pub fn read_public_keys(pem: &[u8]) -> Result<Vec<PublicKey>, PublicKeysError> {
    let text = std::str::from_utf8(pem).map_err(|_| PublicKeysError::NotText)?;
    let mut keys = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN PUBLIC KEY-----") {
        let end_marker = "-----END PUBLIC KEY-----";
        let end = rest[start..]
            .find(end_marker)
            .ok_or(PublicKeysError::Unterminated)?
            + start
            + end_marker.len();
        keys.push(PublicKey::from_pem(&rest.as_bytes()[start..end]).map_err(PublicKeysError::Key)?);
        rest = &rest[end..];
    }
    if keys.is_empty() {
        return Err(PublicKeysError::NoBlock);
    }
    Ok(keys)
}
