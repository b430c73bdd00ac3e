//! Assembling a ConformanceReport around evaluation results.

use crate::report::{
    API_VERSION, ConformanceReport, Environment, KIND, ProfileResult, RequirementResult, RunInfo,
    SpecInfo, SuiteInfo, TargetInfo, TestResult,
};
use crate::spec::Catalog;

/// The suite's version and the commit it was built from (`AI_INTEROP_COMMIT` at build time,
/// else `unknown`).
pub(crate) fn suite_info() -> SuiteInfo {
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

/// The digest a report names the selected document by: the selecting descriptor's digest in a
/// layout, else the digest of the stored bytes.
pub(crate) fn root_digest(artifact: &crate::artifact::Artifact) -> String {
    artifact
        .layout
        .as_ref()
        .and_then(|l| l.selected.get("digest"))
        .and_then(serde_json::Value::as_str)
        .map_or_else(|| artifact.manifest_digest.to_string(), str::to_string)
}

/// The digest that names one manifest an index led to: its descriptor's.
pub(crate) fn child_digest(child: &crate::artifact::ChildFacts) -> String {
    child
        .descriptor
        .get("digest")
        .and_then(serde_json::Value::as_str)
        .map_or_else(
            || child.artifact.manifest_digest.to_string(),
            str::to_string,
        )
}

/// `target.manifests` of a report: every manifest an image index led to (empty otherwise).
pub(crate) fn index_manifests(
    artifact: &crate::artifact::Artifact,
) -> Vec<crate::report::ManifestRef> {
    let Some(index) = &artifact.index else {
        return Vec::new();
    };
    index
        .children
        .iter()
        .map(|c| crate::report::ManifestRef {
            digest: child_digest(c),
            path: c.path.clone(),
            platform: crate::image_index::platform_of(&c.descriptor),
            artifact_type: crate::image_index::artifact_type_of(
                &c.descriptor,
                &c.artifact.manifest,
            )
            .map(str::to_string),
        })
        .collect()
}

/// Everything a report needs besides the results.
pub struct ReportContext {
    pub target: TargetInfo,
    pub options: serde_json::Value,
    pub started: String,
    pub fixtures_digest: Option<String>,
}

/// The report around results already judged; [`super::verdict::judge`] is the way in.
pub(super) fn build_report(
    catalog: &Catalog,
    profile: &str,
    ctx: ReportContext,
    profiles: Vec<ProfileResult>,
    requirements: Vec<RequirementResult>,
    tests: Vec<TestResult>,
) -> ConformanceReport {
    let summary = super::summary(&profiles, profile);
    ConformanceReport {
        api_version: API_VERSION.to_string(),
        kind: KIND.to_string(),
        suite: suite_info(),
        spec: SpecInfo {
            version: catalog.version.clone(),
            schemas_digest: crate::schemas::schemas_digest().to_string(),
            fixtures_digest: ctx.fixtures_digest,
            upstream: crate::report::UpstreamRef::of(catalog),
        },
        target: ctx.target,
        run: RunInfo {
            started: ctx.started,
            finished: now(),
            profile: profile.to_string(),
            options: ctx.options,
            environment: Environment::current(),
        },
        profiles,
        requirements,
        tests,
        summary,
    }
}
