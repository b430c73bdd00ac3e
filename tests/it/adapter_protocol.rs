//! The adapter protocol against a broken-on-purpose adapter (`tests/it/support/fake_adapter.py`):
//! every fault a real tool cannot be made to show on demand is contained and reported as
//! `error` (nothing learnt), never as `fail`, and never hangs the suite.

use ai_interop::model::Status;
use ai_interop::spec::Catalog;
use ai_interop::suites::report::outcome;
use ai_interop::targets::adapter::{Adapter, AdapterSpec, Command, Params, Sandbox};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn fake(mode: &str, timeout: Duration) -> Adapter {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/support/fake_adapter.py");
    let mut spec = AdapterSpec::from_command(
        format!("fake-{mode}"),
        vec!["python3".into(), script.display().to_string()],
        "test".into(),
    );
    for c in Command::ALL {
        spec = spec.with_timeout(c, timeout);
    }
    spec.env.push(("FAKE_MODE".into(), mode.into()));
    Adapter::new(spec)
}

fn describe(mode: &str, timeout: Duration) -> ai_interop::targets::adapter::Exchange {
    let sandbox = Sandbox::new(None).unwrap();
    fake(mode, timeout).request(Command::Describe, Params::default(), &sandbox, &[])
}

#[test]
fn a_well_behaved_describe_is_read() {
    let ex = describe("describe", Duration::from_secs(30));
    let reply = ex.ok().expect("ok");
    let tool = reply.tool.as_ref().unwrap();
    assert_eq!(tool.name, "fake");
    assert!(tool.has("unpack"));
}

#[test]
fn a_hanging_adapter_is_killed_with_its_children() {
    let started = Instant::now();
    let ex = describe("hang", Duration::from_millis(1500));
    let err = ex.reply.unwrap_err();
    assert!(err.contains("no reply within 1500 ms"), "{err}");
    assert!(err.contains("process group was killed"), "{err}");
    // The suite did not wait for the adapter's 300 s sleep, nor for its child's.
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn a_flood_on_stdout_is_bounded() {
    let ex = describe("flood", Duration::from_secs(30));
    let err = ex.reply.unwrap_err();
    assert!(err.contains("more than 1048576 bytes"), "{err}");
}

#[test]
fn garbage_two_replies_an_invalid_reply_and_an_exit_mid_reply_are_errors() {
    for (mode, expect) in [
        ("garbage", "not one JSON document"),
        ("two", "more than one JSON document"),
        ("invalid", "invalid under adapter-reply.schema.json"),
        ("midreply", "exited with 3"),
    ] {
        let ex = describe(mode, Duration::from_secs(30));
        let err = ex.reply.unwrap_err();
        assert!(err.contains(expect), "{mode}: {err}");
    }
}

#[test]
fn a_write_outside_the_work_directory_is_seen() {
    let ex = describe("outside", Duration::from_secs(30));
    assert!(ex.reply.is_ok());
    assert_eq!(
        ex.outside_writes,
        vec!["created a/b/escaped.txt".to_string()]
    );
}

#[test]
fn stderr_is_kept_redacted() {
    let ex = describe("secret", Duration::from_secs(30));
    assert!(ex.stderr.contains("Authorization"), "{}", ex.stderr);
    assert!(!ex.stderr.contains("abcdefghijklmnop0123"), "{}", ex.stderr);
    assert!(!ex.stderr.contains("hunter2pw"), "{}", ex.stderr);
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/v1.0")
}

#[test]
fn a_hanging_runtime_leaves_its_requirements_undecided_not_failed() {
    let adapter = fake("hang", Duration::from_millis(800));
    let dir = tempfile::tempdir().unwrap();
    let run = ai_interop::suites::runtime::run(&adapter, &fixtures(), dir.path());
    assert_eq!(outcome(&run.steps, "ADP-001"), Some(Status::Error));
    assert!(run.tool.is_none());
    let report = ai_interop::suites::report::build(
        Catalog::embedded(),
        &run.steps,
        ai_interop::suites::report::ToolReportInput {
            kind: ai_interop::report::TargetKind::Runtime,
            applies: ai_interop::spec::AppliesTo::Runtime,
            reference: "fake".into(),
            profile: "core".into(),
            started: "2026-01-01T00:00:00Z".into(),
            options: serde_json::json!({}),
            fixtures_digest: None,
        },
    );
    assert!(
        report
            .requirements
            .iter()
            .all(|r| r.status == Status::Error),
        "{:?}",
        report.requirements
    );
}

/// A runtime that answers `ok` to everything and writes nothing: every positive fails RUN-002,
/// every negative fails its requirement — the suite does not take the adapter's word for it.
#[test]
fn a_lying_runtime_fails() {
    let adapter = fake("liar", Duration::from_secs(30));
    let dir = tempfile::tempdir().unwrap();
    let run = ai_interop::suites::runtime::run(&adapter, &fixtures(), dir.path());
    for r in [
        "RUN-002", "RUN-003", "RUN-004", "RUN-005", "RUN-006", "RUN-007", "RUN-008",
    ] {
        assert_eq!(outcome(&run.steps, r), Some(Status::Fail), "{r}");
    }
    assert_eq!(outcome(&run.steps, "RUN-001"), Some(Status::Pass));
    assert_eq!(outcome(&run.steps, "ADP-002"), Some(Status::Pass));
}

/// A packer that answers `ok` and writes nothing fails PCK-001 (no artifact), and a packer that
/// writes outside its sandbox fails ADP-004.
#[test]
fn a_lying_or_escaping_packer_fails() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = Catalog::embedded();
    let run = ai_interop::suites::packer::run(
        catalog,
        &fake("liar", Duration::from_secs(30)),
        &fixtures().join("sources"),
        dir.path(),
    );
    assert_eq!(outcome(&run.steps, "PCK-001"), Some(Status::Fail));
    let run = ai_interop::suites::packer::run(
        catalog,
        &fake("outside", Duration::from_secs(30)),
        &fixtures().join("sources"),
        dir.path(),
    );
    assert_eq!(outcome(&run.steps, "ADP-004"), Some(Status::Fail));
}

/// A runtime that refuses everything has shown nothing about digests, paths or links: every
/// negative's refusal is inconclusive (`error`) because it also refuses the defect-free control,
/// while RUN-009 (nothing left behind) is still judged, and refusing the signed control under a
/// signature policy fails RUN-010.
#[test]
fn a_runtime_that_refuses_everything_proves_nothing_about_the_defects() {
    let adapter = fake("refuser", Duration::from_secs(30));
    let dir = tempfile::tempdir().unwrap();
    let run = ai_interop::suites::runtime::run(&adapter, &fixtures(), dir.path());
    assert_eq!(outcome(&run.steps, "RUN-001"), Some(Status::Fail));
    for r in [
        "RUN-003", "RUN-004", "RUN-005", "RUN-006", "RUN-007", "RUN-008",
    ] {
        assert_eq!(outcome(&run.steps, r), Some(Status::Error), "{r}");
    }
    let inconclusive: Vec<&str> = run
        .steps
        .iter()
        .filter(|s| s.id.starts_with("runtime.refuse."))
        .flat_map(|s| s.marks.marks.iter())
        .filter(|m| m.status == Status::Error)
        .map(|m| m.message.as_str())
        .collect();
    assert_eq!(
        inconclusive.len(),
        ai_interop::suites::runtime::NEGATIVES.len()
    );
    for message in &inconclusive {
        assert!(
            message.starts_with(
                "inconclusive: the runtime also refuses the defect-free control model/pass-model-"
            ),
            "{message}"
        );
    }
    assert_eq!(outcome(&run.steps, "RUN-009"), Some(Status::Pass));
    assert_eq!(outcome(&run.steps, "RUN-010"), Some(Status::Fail));
}

/// A runtime that does not declare `verify-signatures` is never sent a signature policy:
/// RUN-010 is skipped with the adapter's words, nothing else is affected.
#[test]
fn a_runtime_without_signature_verification_skips_run_010() {
    let adapter = fake("liar", Duration::from_secs(30));
    let dir = tempfile::tempdir().unwrap();
    let run = ai_interop::suites::runtime::run(&adapter, &fixtures(), dir.path());
    assert_eq!(outcome(&run.steps, "RUN-010"), Some(Status::Skip));
    let step = run
        .steps
        .iter()
        .find(|s| s.id == "runtime.signature-policy")
        .unwrap();
    assert_eq!(step.covers, vec!["RUN-010"]);
    assert!(
        step.marks.marks[0]
            .message
            .contains("does not declare `verify-signatures`"),
        "{:?}",
        step.marks.marks
    );
}

/// Each negative's control is the conformant case built from the same base, without a
/// mutation; RUN-010's pair is one manifest, signed and unsigned.
#[test]
fn every_negative_is_paired_with_the_positive_it_was_derived_from() {
    use ai_interop::suites::runtime::{NEGATIVES, POSITIVES, SIGNED, UNSIGNED};
    let generator = |case: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(fixtures().join(case).join("case.json")).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()["generator"].clone()
    };
    for n in NEGATIVES {
        let (bad, good) = (generator(n.case), generator(n.control));
        assert!(POSITIVES.contains(&n.control), "{}", n.control);
        assert_eq!(bad["base"], good["base"], "{}", n.case);
        assert!(!bad["mutation"].is_null(), "{}", n.case);
        assert!(good["mutation"].is_null(), "{}", n.control);
    }
    // The manifest the tag `v1` names in the layout's index.
    let manifest = |case: &str| {
        let text = std::fs::read_to_string(fixtures().join(case).join("index.json")).unwrap();
        let index: serde_json::Value = serde_json::from_str(&text).unwrap();
        index["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == "v1")
            .map(|m| m["digest"].clone())
            .unwrap()
    };
    assert_eq!(manifest(SIGNED), manifest(UNSIGNED));
}

/// A tool that speaks only to registries (`needsRegistry`), run without a scratch registry: the
/// suite makes no request of it, and every requirement a request would decide is `skip` with the
/// reason — never pass, never fail.
#[test]
fn a_tool_that_needs_a_registry_is_skipped_without_one() {
    let dir = tempfile::tempdir().unwrap();
    let adapter = fake("registry-only", Duration::from_secs(30));
    let runtime = ai_interop::suites::runtime::run(&adapter, &fixtures(), dir.path());
    let packer = ai_interop::suites::packer::run(
        Catalog::embedded(),
        &adapter,
        &fixtures().join("sources"),
        dir.path(),
    );
    for steps in [&runtime.steps, &packer.steps] {
        assert_eq!(outcome(steps, "ADP-002"), Some(Status::Pass));
        // The describe reply and the runtime's declared scope are judged without a request.
        for s in steps
            .iter()
            .filter(|s| s.id != "adapter.describe" && s.id != "runtime.scope")
        {
            for m in &s.marks.marks {
                assert_eq!(m.status, Status::Skip, "{} {}", s.id, m.requirement);
                // The capabilities it lacks are skipped for that; the rest for the registry.
                assert!(
                    m.message.contains("no scratch registry was given")
                        || m.message.contains("does not declare"),
                    "{}",
                    m.message
                );
            }
        }
    }
    for r in [
        "ADP-003", "ADP-004", "RUN-001", "RUN-002", "RUN-003", "RUN-008", "RUN-009",
    ] {
        assert_eq!(outcome(&runtime.steps, r), Some(Status::Skip), "{r}");
    }
    for r in ["ADP-003", "ADP-004", "PCK-001", "PCK-004", "PCK-005"] {
        assert_eq!(outcome(&packer.steps, r), Some(Status::Skip), "{r}");
    }
}

/// With a scratch registry every request names it; an artifact the registry would not hold never
/// reached the tool (`"staged": false`): a bad one decides nothing about the tool's refusal
/// (skip), a good one is a declared capability answered `error` (ADP-003 fails).
#[test]
fn an_artifact_the_registry_would_not_hold_decides_nothing_about_the_tool() {
    let dir = tempfile::tempdir().unwrap();
    let registry =
        ai_interop::targets::adapter::ScratchRegistry::from_url("http://127.0.0.1:9").unwrap();
    let adapter = fake("registry-only", Duration::from_secs(30)).with_registry(Some(registry));
    let run = ai_interop::suites::runtime::run(&adapter, &fixtures(), dir.path());
    for r in [
        "RUN-003", "RUN-004", "RUN-005", "RUN-006", "RUN-007", "RUN-008",
    ] {
        assert_eq!(outcome(&run.steps, r), Some(Status::Skip), "{r}");
    }
    let said: Vec<&str> = run
        .steps
        .iter()
        .flat_map(|s| s.marks.marks.iter())
        .filter(|m| m.requirement == "RUN-003")
        .map(|m| m.message.as_str())
        .collect();
    assert!(
        said.iter().all(|m| m.contains("not handed to the tool")
            && m.contains("http://127.0.0.1:9 would not hold")),
        "{said:?}"
    );
    assert_eq!(outcome(&run.steps, "ADP-003"), Some(Status::Fail));
    assert_eq!(outcome(&run.steps, "RUN-001"), Some(Status::Error));
    // Nothing was left behind by the requests that were made.
    assert_eq!(outcome(&run.steps, "RUN-009"), Some(Status::Pass));
}
