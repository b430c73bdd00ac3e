//! A registry suite run as the common [`ConformanceReport`]: one test per suite test, one
//! requirement result per `REG-0xx`, profile roll-ups, and the extended features as evidence.

use super::{FEATURES, RegistryTestResult, SuiteRun};
use crate::engine::report::ReportContext;
use crate::engine::verdict::{Claim, Decided, Ladder, decide, judge};
use crate::model::Status;
use crate::report::{ConformanceReport, RequirementResult, TargetInfo, TargetKind};
use crate::spec::{AppliesTo, Catalog};
use crate::targets::registry::config::{Credentials, RegistryConfig};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// What the run was asked besides the suite's own results.
pub struct RegistryReportInput<'a> {
    pub config: &'a RegistryConfig,
    /// The claimed profile.
    pub profile: String,
    pub started: String,
    /// Requirement ID → reason (strict: an expected failure that passes is `xpass`).
    pub expected_failures: BTreeMap<String, String>,
    /// The digest over the fixture tree whose cases were pushed, if any.
    pub fixtures_digest: Option<String>,
}

/// The registry's requirements: every catalog requirement that applies to registries.
fn registry_requirements(catalog: &Catalog) -> impl Iterator<Item = &crate::spec::Requirement> {
    catalog
        .requirements
        .iter()
        .filter(|r| r.applies_to.contains(&AppliesTo::Registry))
}

/// Build the common report of one suite run.
pub fn build(catalog: &Catalog, run: &SuiteRun, input: RegistryReportInput) -> ConformanceReport {
    let wanted: Vec<&crate::spec::Requirement> = registry_requirements(catalog).collect();
    let decided: Vec<Decided> = run.tests.iter().map(RegistryTestResult::decided).collect();
    let decisions = decide(&wanted, &decided, "test", &input.expected_failures);
    let capability = capability(&decisions.requirements, run);
    let claim = Claim {
        profile: &input.profile,
        applies: AppliesTo::Registry,
        ladder: Ladder::Lineage,
    };
    let ctx = ReportContext {
        target: TargetInfo {
            kind: TargetKind::Registry,
            reference: run.registry.clone(),
            manifest_digest: None,
            manifests: Vec::new(),
        },
        options: options(input.config, run, &capability, &input.expected_failures),
        started: input.started,
        fixtures_digest: input.fixtures_digest,
    };
    let mut report = judge(catalog, &claim, decisions, ctx);
    report.summary = format!(
        "{} {}",
        report.summary,
        capability["text"].as_str().unwrap_or("")
    );
    report
}

/// "core: n/m pass; extended features: k/7 supported", as data and as a sentence.
fn capability(requirements: &[RequirementResult], run: &SuiteRun) -> Value {
    let extended: Vec<&str> = FEATURES
        .iter()
        .flat_map(|(_, reqs)| reqs.iter().copied())
        .collect();
    let core: Vec<&RequirementResult> = requirements
        .iter()
        .filter(|r| !extended.contains(&r.id.as_str()))
        .collect();
    let count = |s: Status| core.iter().filter(|r| r.status == s).count();
    let (pass, na, fail, error) = (
        count(Status::Pass) + count(Status::Xfail),
        count(Status::NotApplicable),
        count(Status::Fail) + count(Status::Xpass),
        count(Status::Error),
    );
    let core_result = if fail + error > 0 {
        "failure"
    } else {
        "success"
    };
    let names = |status: &str| -> Vec<&str> {
        run.features
            .iter()
            .filter(|f| f.status == status)
            .map(|f| f.name)
            .collect()
    };
    let supported = names("supported");
    let mut text = format!(
        "Registry core ({} requirements): {core_result}, {pass} pass, {na} not applicable, {fail} fail, {error} error. Extended features supported: {}/{}",
        core.len(),
        supported.len(),
        run.features.len()
    );
    for status in ["supported", "unsupported", "broken", "not-tested"] {
        let n = names(status);
        if !n.is_empty() {
            text.push_str(&format!("; {status}: {}", n.join(", ")));
        }
    }
    text.push('.');
    json!({
        "core": {
            "result": core_result,
            "total": core.len(),
            "passed": pass,
            "notApplicable": na,
            "failed": fail,
            "errored": error,
        },
        "extended": {
            "supported": supported.len(),
            "total": run.features.len(),
        },
        "text": text,
    })
}

/// The effective options, without any credential: how authentication happened is told by its
/// method only.
fn options(
    cfg: &RegistryConfig,
    run: &SuiteRun,
    capability: &Value,
    expected_failures: &BTreeMap<String, String>,
) -> Value {
    let auth = match cfg.credentials() {
        Ok(Credentials::Anonymous) => "anonymous",
        Ok(Credentials::Basic { .. }) => "basic",
        Ok(Credentials::Token(_)) => "token",
        Err(_) => "unusable",
    };
    let (fixtures_dir, _) = cfg.fixtures_dir();
    json!({
        "registry": run.registry,
        "namespace": run.namespace,
        "readOnly": run.read_only,
        "seeded": cfg.seeded,
        "auth": auth,
        "tls": {
            "caFile": cfg.tls.ca_file.as_ref().map(|p| p.display().to_string()),
            "caOnly": cfg.tls.ca_only,
            "insecureSkipVerify": cfg.tls.insecure_skip_verify,
        },
        "timeouts": {
            "connectMs": cfg.timeouts.connect_ms,
            "requestMs": cfg.timeouts.request_ms,
            "largeBlobMs": cfg.timeouts.large_blob_ms,
        },
        "chunkSize": cfg.chunk_size,
        "largeBlobSize": cfg.large_blob_size,
        "delete": cfg.delete,
        "cleanup": cfg.cleanup,
        "fixturesDir": fixtures_dir.display().to_string(),
        "fixturesPushed": run.fixtures,
        "capability": {
            "core": capability["core"],
            "extended": capability["extended"],
        },
        "features": run.features,
        "teardown": run.cleanup,
        "expectedFailures": expected_failures.keys().collect::<Vec<_>>(),
    })
}
