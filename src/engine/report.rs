//! Assembling a ConformanceReport around evaluation results.

use crate::report::{
    API_VERSION, ConformanceReport, Environment, KIND, ProfileResult, RequirementResult, RunInfo,
    SpecInfo, SuiteInfo, TargetInfo, TestResult,
};
use crate::spec::Catalog;

/// The suite's version and the commit it was built from (`AI_INTEROP_COMMIT` at build time,
/// else `unknown`).
pub fn suite_info() -> SuiteInfo {
    SuiteInfo {
        name: env!("CARGO_PKG_NAME").to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        commit: option_env!("AI_INTEROP_COMMIT")
            .unwrap_or("unknown")
            .to_string(),
    }
}

/// RFC 3339 UTC timestamp of now.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Everything a report needs besides the results.
pub struct ReportContext {
    pub target: TargetInfo,
    pub profile: String,
    pub options: serde_json::Value,
    pub started: String,
    pub fixtures_digest: Option<String>,
}

pub fn build_report(
    catalog: &Catalog,
    ctx: ReportContext,
    profiles: Vec<ProfileResult>,
    requirements: Vec<RequirementResult>,
    tests: Vec<TestResult>,
) -> ConformanceReport {
    let summary = super::summary(&profiles, &ctx.profile);
    ConformanceReport {
        api_version: API_VERSION.to_string(),
        kind: KIND.to_string(),
        suite: suite_info(),
        spec: SpecInfo {
            version: catalog.version.clone(),
            schemas_digest: crate::schemas::schemas_digest().to_string(),
            fixtures_digest: ctx.fixtures_digest,
        },
        target: ctx.target,
        run: RunInfo {
            started: ctx.started,
            finished: now(),
            profile: ctx.profile,
            options: ctx.options,
            environment: Environment::current(),
        },
        profiles,
        requirements,
        tests,
        summary,
    }
}
