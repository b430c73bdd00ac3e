//! The ConformanceReport data model, shared by every writer and validated by
//! `schemas/v1.0/report.schema.json`.

use crate::model::{Finding, Level, Status};
use crate::spec::{AppliesTo, Origin, ProfileStatus};
use serde::{Deserialize, Serialize};

pub(crate) const API_VERSION: &str = "ai-interop.dev/v1alpha1";
pub(crate) const KIND: &str = "ConformanceReport";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConformanceReport {
    pub api_version: String,
    pub kind: String,
    pub suite: SuiteInfo,
    pub spec: SpecInfo,
    pub target: TargetInfo,
    pub run: RunInfo,
    pub profiles: Vec<ProfileResult>,
    pub requirements: Vec<RequirementResult>,
    pub tests: Vec<TestResult>,
    pub summary: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SuiteInfo {
    pub name: String,
    pub version: String,
    pub commit: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpecInfo {
    pub version: String,
    pub schemas_digest: String,
    pub fixtures_digest: Option<String>,
    /// The upstream texts the spec tracks, one per upstream profile, each at the revision its
    /// profile is exactly (`spec/v1.0/upstream.md`). Absent from reports written before it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upstream: Vec<UpstreamRef>,
}

/// An upstream text the spec tracks, and the profile that is exactly that text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamRef {
    pub profile: String,
    pub document: String,
    pub revision: String,
}

impl UpstreamRef {
    /// Every upstream profile of the catalog, in catalog order.
    pub(crate) fn of(catalog: &crate::spec::Catalog) -> Vec<UpstreamRef> {
        catalog
            .profiles
            .iter()
            .filter_map(|p| {
                p.upstream.as_ref().map(|u| UpstreamRef {
                    profile: p.name.clone(),
                    document: u.document.clone(),
                    revision: u.revision.clone(),
                })
            })
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    Fixtures,
    OciLayout,
    Registry,
    Adapter,
    Packer,
    Runtime,
    Transport,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetInfo {
    pub kind: TargetKind,
    /// Credential-free reference to the target.
    pub reference: String,
    pub manifest_digest: Option<String>,
    /// When the target is an image index: the manifests it led to, each checked on its own
    /// (`spec/v1.0/indexes.md`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub manifests: Vec<ManifestRef>,
}

/// One manifest an image index led to.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestRef {
    /// The digest its descriptor names; tests and requirement verdicts refer to it.
    pub digest: String,
    /// The chain of positions from the selected index down, e.g. `/manifests/1/manifests/0`.
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
}

/// A requirement's verdict on one manifest of an image index.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestVerdict {
    pub manifest: String,
    pub status: Status,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Environment {
    pub os: String,
    pub arch: String,
    pub cpus: usize,
}

impl Environment {
    pub(crate) fn current() -> Self {
        Environment {
            os: std::env::consts::OS.to_string(),
            arch: std::env::consts::ARCH.to_string(),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunInfo {
    /// RFC 3339 timestamps.
    pub started: String,
    pub finished: String,
    pub profile: String,
    /// The effective options, credentials redacted.
    pub options: serde_json::Value,
    pub environment: Environment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rollup {
    Success,
    Partial,
    Failure,
}

impl Rollup {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Rollup::Success => "success",
            Rollup::Partial => "partial",
            Rollup::Failure => "failure",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Statistics {
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    pub errored: usize,
    pub skipped: usize,
    pub not_applicable: usize,
    pub xfailed: usize,
    pub xpassed: usize,
}

impl Statistics {
    /// Every requirement was not applicable: nothing was shown to hold.
    pub(crate) fn nothing_applied(&self) -> bool {
        self.total > 0 && self.not_applicable == self.total
    }

    pub(crate) fn add(&mut self, status: Status) {
        self.total += 1;
        match status {
            Status::Pass => self.passed += 1,
            Status::Fail => self.failed += 1,
            Status::Error => self.errored += 1,
            Status::Skip => self.skipped += 1,
            Status::NotApplicable => self.not_applicable += 1,
            Status::Xfail => self.xfailed += 1,
            Status::Xpass => self.xpassed += 1,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProfileResult {
    pub name: String,
    pub extends: Option<String>,
    pub status: ProfileStatus,
    pub result: Rollup,
    pub statistics: Statistics,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequirementResult {
    pub id: String,
    pub level: Level,
    pub profile: String,
    pub applies_to: Vec<AppliesTo>,
    /// Whose rule it is (an upstream specification or this contract); absent in reports
    /// written before the field existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
    pub status: Status,
    /// IDs of the tests that decided this requirement.
    pub tests: Vec<String>,
    /// When the target is an image index: the verdict on each manifest it led to (the
    /// requirement's `status` is the worst of them and of the index's own).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub manifests: Vec<ManifestVerdict>,
    /// The requirement's normative sentence, as the spec states it (empty in reports written
    /// before the field existed).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// Where the spec states it: `spec/v<version>/<file>.md#<heading anchor>`, relative to the
    /// repository root.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
}

impl RequirementResult {
    /// The verdict on one catalog requirement, decided by the given tests.
    pub(crate) fn decided(
        r: &crate::spec::Requirement,
        status: Status,
        tests: Vec<String>,
    ) -> Self {
        RequirementResult {
            id: r.id.clone(),
            level: r.level,
            profile: r.profile.clone(),
            applies_to: r.applies_to.clone(),
            origin: Some(r.origin),
            status,
            tests,
            manifests: Vec::new(),
            text: r.text.clone(),
            source: r.spec_path(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestResult {
    pub id: String,
    pub title: String,
    pub covers: Vec<String>,
    pub status: Status,
    pub duration_ms: u64,
    pub findings: Vec<Finding>,
    /// For fixture cases: what the case expected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<serde_json::Value>,
    /// When the target is an image index: the digest of the manifest (or of the index itself)
    /// this test judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<String>,
}

impl ConformanceReport {
    pub(crate) fn profile(&self, name: &str) -> Option<&ProfileResult> {
        self.profiles.iter().find(|p| p.name == name)
    }
}
