//! A hand-built report for the writer tests: every test status, every requirement status, a
//! finding whose requirement is not in the catalog, and cell text that needs escaping.

use super::model::*;
use crate::model::{Finding, Level, Location, Status};
use crate::spec::{AppliesTo, ProfileStatus};
use crate::vocabulary::SIGNING;
use serde_json::json;

fn finding(
    requirement: &str,
    level: Level,
    status: Status,
    location: Location,
    message: &str,
) -> Finding {
    Finding {
        requirement: requirement.into(),
        level,
        status,
        location,
        message: message.into(),
        variant: None,
    }
}

fn test(
    id: &str,
    title: &str,
    covers: &[&str],
    status: Status,
    duration_ms: u64,
    findings: Vec<Finding>,
) -> TestResult {
    TestResult {
        id: id.into(),
        title: title.into(),
        covers: covers.iter().map(|c| c.to_string()).collect(),
        status,
        duration_ms,
        findings,
        expected: None,
        manifest: None,
    }
}

fn requirement(
    id: &str,
    level: Level,
    profile: &str,
    status: Status,
    tests: &[&str],
) -> RequirementResult {
    RequirementResult {
        id: id.into(),
        level,
        profile: profile.into(),
        applies_to: vec![AppliesTo::Artifact],
        origin: None,
        status,
        tests: tests.iter().map(|t| t.to_string()).collect(),
        manifests: vec![],
        text: String::new(),
        source: String::new(),
    }
}

fn stats(statuses: &[Status]) -> Statistics {
    let mut s = Statistics::default();
    for st in statuses {
        s.add(*st);
    }
    s
}

pub(crate) fn sample_report() -> ConformanceReport {
    use Status::*;
    let requirements = vec![
        requirement(
            "MAN-003",
            Level::Must,
            "core",
            Pass,
            &["manifest.structure", "fixtures/bad-schema-version"],
        ),
        requirement(
            "MAN-004",
            Level::Must,
            "core",
            Pass,
            &["manifest.media-type"],
        ),
        requirement(
            "MAN-005",
            Level::Must,
            "core",
            Fail,
            &["manifest.structure"],
        ),
        requirement(
            "MAN-010",
            Level::Must,
            "core",
            NotApplicable,
            &["manifest.subject"],
        ),
        requirement("DSC-004", Level::Must, "core", Error, &["blobs.digest"]),
        requirement(
            "MPK-013",
            Level::Should,
            "core",
            Fail,
            &["modelpack.config"],
        ),
        requirement("LAY-008", Level::Must, "core", Skip, &["layers.expansion"]),
        requirement(
            "ANN-019",
            Level::Must,
            "trusted",
            Xfail,
            &["annotations.signing"],
        ),
        requirement(
            "ANN-020",
            Level::Must,
            "trusted",
            Xpass,
            &["annotations.sbom"],
        ),
    ];
    let core: Vec<Status> = requirements
        .iter()
        .filter(|r| r.profile == "core")
        .map(|r| r.status)
        .collect();
    let trusted: Vec<Status> = requirements.iter().map(|r| r.status).collect();

    let mut fixture = test(
        "fixtures/bad-schema-version",
        "Fixture: schemaVersion 1 is rejected",
        &["MAN-003"],
        Pass,
        3,
        vec![],
    );
    fixture.expected = Some(json!({"status": "fail", "requirements": ["MAN-003"]}));

    let tests = vec![
        test(
            "manifest.media-type",
            "Manifest media type",
            &["MAN-004"],
            Pass,
            1,
            vec![],
        ),
        test(
            "manifest.structure",
            "Manifest structure",
            &["MAN-003", "MAN-005"],
            Fail,
            12,
            vec![finding(
                "MAN-005",
                Level::Must,
                Fail,
                Location::manifest("/artifactType"),
                "artifactType \"text/plain|x\" is not a valid media type\nexpected type/subtype",
            )],
        ),
        test(
            "manifest.subject",
            "Subject descriptor",
            &["MAN-010"],
            NotApplicable,
            0,
            vec![],
        ),
        test(
            "blobs.digest",
            "Blob digests",
            &["DSC-004"],
            Error,
            250,
            vec![finding(
                "DSC-004",
                Level::Must,
                Error,
                Location::layer(0),
                "could not read blob: permission denied",
            )],
        ),
        test(
            "modelpack.config",
            "ModelPack config",
            &["MPK-013"],
            Fail,
            7,
            vec![
                finding(
                    "MPK-013",
                    Level::Should,
                    Fail,
                    Location::config("/config/paramSize"),
                    "paramSize \"7b\" has no unit suffix",
                ),
                finding(
                    "XYZ-999",
                    Level::May,
                    Fail,
                    Location::default(),
                    "a finding citing a requirement the catalog does not know",
                ),
            ],
        ),
        test(
            "layers.expansion",
            "Layer expansion ratio",
            &["LAY-008"],
            Skip,
            0,
            vec![finding(
                "LAY-008",
                Level::Must,
                Skip,
                Location::layer_entry(1, "weights/model.safetensors"),
                "layer expansion disabled by --no-expand",
            )],
        ),
        test(
            "annotations.signing",
            "Signing annotation",
            &["ANN-019"],
            Xfail,
            2,
            vec![finding(
                "ANN-019",
                Level::Must,
                Fail,
                Location::manifest("/annotations"),
                &format!("missing {SIGNING}"),
            )],
        ),
        test(
            "annotations.sbom",
            "SBOM annotation",
            &["ANN-020"],
            Xpass,
            2,
            vec![],
        ),
        fixture,
    ];

    ConformanceReport {
        api_version: API_VERSION.into(),
        kind: KIND.into(),
        suite: SuiteInfo {
            name: "ai-interop".into(),
            version: "0.1.0".into(),
            commit: "0123456789abcdef0123456789abcdef01234567".into(),
        },
        spec: SpecInfo {
            version: "1.0".into(),
            schemas_digest: format!("sha256:{}", "a".repeat(64)),
            fixtures_digest: None,
            upstream: crate::report::UpstreamRef::of(crate::spec::Catalog::embedded()),
        },
        target: TargetInfo {
            kind: TargetKind::OciLayout,
            reference: "oci-layout:./models/tiny|llm:v1".into(),
            manifest_digest: Some(format!("sha256:{}", "b".repeat(64))),
            manifests: Vec::new(),
        },
        run: RunInfo {
            started: "2026-01-02T03:04:05Z".into(),
            finished: "2026-01-02T03:04:06Z".into(),
            profile: "trusted".into(),
            options: json!({"profile": "trusted", "expectations": "xfail.yaml", "token": "[redacted]"}),
            environment: Environment {
                os: "linux".into(),
                arch: "x86_64".into(),
                cpus: 4,
            },
        },
        profiles: vec![
            ProfileResult {
                name: "core".into(),
                extends: None,
                status: ProfileStatus::Complete,
                result: Rollup::Failure,
                statistics: stats(&core),
            },
            ProfileResult {
                name: "trusted".into(),
                extends: Some("core".into()),
                status: ProfileStatus::Provisional,
                result: Rollup::Failure,
                statistics: stats(&trusted),
            },
        ],
        requirements,
        tests,
        summary: "core: failure (1 MUST failed, 1 error).\ntrusted: failure (1 unexpected pass)."
            .into(),
    }
}
