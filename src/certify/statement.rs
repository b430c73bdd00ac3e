//! The in-toto Statement v1 a signed report carries.

use crate::digest::Digest;
use crate::report::ConformanceReport;
use crate::vocabulary::{IN_TOTO_STATEMENT_V1, REPORT_PREDICATE};
use serde_json::{Value, json};

/// The subject name of the report itself.
pub(crate) const REPORT_SUBJECT: &str = "report.json";

/// `{"sha256": "<hex>"}` for a digest.
fn digest_set(d: &Digest) -> Value {
    json!({ d.algorithm(): d.encoded() })
}

/// The predicate: what the report claims, repeated so the envelope alone says what was signed.
fn predicate(report: &ConformanceReport) -> Value {
    json!({
        "suite": report.suite,
        "spec": report.spec,
        "target": report.target,
        "profile": report.run.profile,
        "profiles": report.profiles.iter().map(|p| json!({
            "name": p.name,
            "result": p.result,
        })).collect::<Vec<_>>(),
        "summary": report.summary,
    })
}

/// The statement over the exact bytes of `report.json` and, for an artifact, its manifest.
pub fn for_report(report_bytes: &[u8], report: &ConformanceReport) -> Value {
    let mut subject = vec![json!({
        "name": REPORT_SUBJECT,
        "digest": digest_set(&Digest::sha256_of(report_bytes)),
    })];
    if let Some(d) = report
        .target
        .manifest_digest
        .as_deref()
        .and_then(|d| Digest::parse(d).ok())
    {
        subject.push(json!({
            "name": report.target.reference,
            "digest": digest_set(&d),
        }));
    }
    json!({
        "_type": IN_TOTO_STATEMENT_V1,
        "subject": subject,
        "predicateType": REPORT_PREDICATE,
        "predicate": predicate(report),
    })
}

/// Check that a verified payload is a statement about exactly this report.
pub(crate) fn check(
    payload: &[u8],
    report_bytes: &[u8],
    report: &ConformanceReport,
) -> Result<String, String> {
    let statement: Value =
        serde_json::from_slice(payload).map_err(|e| format!("payload is not JSON: {e}"))?;
    if statement["_type"] != IN_TOTO_STATEMENT_V1 {
        return Err(format!(
            "not an in-toto Statement v1: _type {}",
            statement["_type"]
        ));
    }
    if statement["predicateType"] != REPORT_PREDICATE {
        return Err(format!("predicateType {}", statement["predicateType"]));
    }
    let subjects = statement["subject"]
        .as_array()
        .ok_or("the statement has no subject list")?;
    let has = |name: &str, d: &Digest| {
        subjects
            .iter()
            .any(|s| s["name"] == name && s["digest"][d.algorithm()] == d.encoded())
    };
    let own = Digest::sha256_of(report_bytes);
    if !has(REPORT_SUBJECT, &own) {
        return Err(format!(
            "report.json is {own}, but the signed statement names another digest: the report was edited after signing"
        ));
    }
    let mut detail = format!("report.json {own}");
    if let Some(m) = &report.target.manifest_digest {
        let d = Digest::parse(m).map_err(|e| format!("manifest digest {m:?}: {e}"))?;
        if !has(&report.target.reference, &d) {
            return Err(format!(
                "the signed statement does not name the artifact {} {d}",
                report.target.reference
            ));
        }
        detail.push_str(&format!("; artifact {d}"));
    }
    if statement["predicate"] != predicate(report) {
        return Err("the signed predicate differs from the report's claims".into());
    }
    Ok(detail)
}
