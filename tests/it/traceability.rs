//! One source of truth, enforced: every requirement in the spec text has a check and fixtures;
//! no check or fixture names a requirement the spec does not define.

use ai_interop::checks;
use ai_interop::model::{Level, Status};
use ai_interop::selftest::{expected_failures, run_case};
use ai_interop::spec::{AppliesTo, Catalog};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn fixtures_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/v1.0")
}

fn artifact_requirements() -> Vec<&'static ai_interop::spec::Requirement> {
    Catalog::embedded()
        .requirements
        .iter()
        .filter(|r| r.applies_to.contains(&AppliesTo::Artifact))
        .collect()
}

#[test]
fn every_check_names_known_requirements_and_each_is_decided_once() {
    let catalog = Catalog::embedded();
    let mut owner: BTreeMap<&str, &str> = BTreeMap::new();
    for c in checks::all() {
        for id in c.covers {
            assert!(
                catalog.get(id).is_some(),
                "check {} names unknown {id}",
                c.id
            );
            if let Some(other) = owner.insert(id, c.id) {
                panic!("{id} is decided by both {other} and {}", c.id);
            }
        }
    }
}

#[test]
fn every_artifact_requirement_has_a_check() {
    let covered: BTreeSet<&str> = checks::all()
        .iter()
        .flat_map(|c| c.covers.iter().copied())
        .collect();
    let missing: Vec<&str> = artifact_requirements()
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| !covered.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "requirements without a check: {missing:?}"
    );
}

#[test]
fn fixtures_name_only_known_requirements() {
    let catalog = Catalog::embedded();
    for (_, case) in ai_interop::fixtures::load_cases(&fixtures_root()).unwrap() {
        for id in case
            .requirements
            .iter()
            .chain(expected_failures(&case).iter())
        {
            assert!(
                catalog.get(id).is_some(),
                "case {} names unknown {id}",
                case.id
            );
        }
        assert!(
            catalog.profile(&case.profile).is_some(),
            "case {} names unknown profile",
            case.id
        );
    }
}

#[test]
fn every_must_and_should_has_a_negative_case() {
    let cases = ai_interop::fixtures::load_cases(&fixtures_root()).unwrap();
    let failing: BTreeSet<String> = cases
        .iter()
        .flat_map(|(_, c)| expected_failures(c))
        .collect();
    let missing: Vec<&str> = artifact_requirements()
        .iter()
        .filter(|r| matches!(r.level, Level::Must | Level::Should))
        .map(|r| r.id.as_str())
        .filter(|id| !failing.contains(*id))
        // A symbolic link cannot be a committed fixture (the tree is plain files, hashed into
        // fixturesDigest); OCI-004's negative is built by tests/it/hostile.rs.
        .filter(|id| *id != "OCI-004")
        .collect();
    assert!(
        missing.is_empty(),
        "requirements without a negative fixture: {missing:?}"
    );
}

/// Not the descriptors' word for it: every requirement must actually evaluate to `pass` in at
/// least one positive case when the engine runs.
#[test]
fn every_requirement_passes_in_some_positive_case() {
    let catalog = Catalog::embedded();
    let mut passed: BTreeSet<String> = BTreeSet::new();
    for (dir, case) in ai_interop::fixtures::load_cases(&fixtures_root()).unwrap() {
        if !expected_failures(&case).is_empty() {
            continue;
        }
        let outcome = run_case(catalog, &dir, &case);
        let ev = outcome.evaluation.expect("positive case loads");
        passed.extend(ev.with_status(Status::Pass));
    }
    let missing: Vec<&str> = artifact_requirements()
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| !passed.contains(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "requirements never exercised by a positive case: {missing:?}"
    );
}

/// Every requirement on a tool (packer, runtime, transport) is decided by a step family of the
/// tool suites, and every family names only known requirements on tools.
#[test]
fn every_tool_requirement_has_a_suite_step() {
    let catalog = Catalog::embedded();
    let tool = |r: &ai_interop::spec::Requirement| {
        r.applies_to.iter().any(|a| {
            matches!(
                a,
                AppliesTo::Packer | AppliesTo::Runtime | AppliesTo::Transport
            )
        })
    };
    let covered: BTreeSet<&str> = ai_interop::suites::steps()
        .flat_map(|s| s.covers.iter().copied())
        .collect();
    for id in &covered {
        let r = catalog
            .get(id)
            .unwrap_or_else(|| panic!("suite step names unknown {id}"));
        assert!(tool(r), "{id} does not apply to a tool");
    }
    let missing: Vec<&str> = catalog
        .requirements
        .iter()
        .filter(|r| tool(r) && !covered.contains(r.id.as_str()))
        .map(|r| r.id.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "tool requirements without a suite step: {missing:?}"
    );
}

/// The upstream annotation draft the spec tracks (`spec/v1.0/upstream.md`): every key of its
/// table has a requirement in the upstream profile, every requirement the mapping names exists
/// and belongs to that profile, and the mapping lists no key the tracked table lacks.
#[test]
fn every_key_of_the_tracked_upstream_table_has_a_requirement() {
    let catalog = Catalog::embedded();
    let upstream: Vec<&ai_interop::spec::Profile> = catalog
        .profiles
        .iter()
        .filter(|p| p.upstream.is_some())
        .collect();
    assert_eq!(upstream.len(), 1, "one upstream profile is tracked");
    let profile = upstream[0];
    let rows: Vec<&ai_interop::spec::UpstreamKey> = catalog
        .upstream_keys
        .iter()
        .filter(|k| k.profile == profile.name)
        .collect();
    let tracked: Vec<&str> = ai_interop::vocabulary::CNCF_ANNOTATIONS_DRAFT_KEYS.concat();
    let unmapped: Vec<&str> = tracked
        .iter()
        .copied()
        .filter(|key| {
            !rows
                .iter()
                .any(|r| r.key == *key && !r.requirements.is_empty())
        })
        .collect();
    assert!(
        unmapped.is_empty(),
        "keys of the tracked upstream table without a requirement: {unmapped:?}"
    );
    for r in &rows {
        assert!(
            tracked.contains(&r.key.as_str()),
            "the mapping lists {}, which the tracked upstream table does not have",
            r.key
        );
        for id in &r.requirements {
            let req = catalog
                .get(id)
                .unwrap_or_else(|| panic!("{} is mapped to unknown {id}", r.key));
            assert!(
                catalog.in_profile(req, &profile.name),
                "{id} not in profile"
            );
        }
    }
    // The revision the profile is exactly is the one upstream.md says it tracks.
    let revision = &profile.upstream.as_ref().expect("upstream").revision;
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("spec/v1.0/upstream.md"),
    )
    .unwrap();
    assert!(
        text.contains(&format!("| Revision | `{revision}`")),
        "upstream.md does not record revision {revision} under Tracked revision"
    );
    // The profile is the mapping: nothing else belongs to it.
    for req in &catalog.requirements {
        let listed = rows.iter().any(|r| r.requirements.contains(&req.id));
        assert_eq!(
            catalog.in_profile(req, &profile.name),
            listed,
            "{}: membership of {} and its mapping disagree",
            req.id,
            profile.name
        );
    }
}

/// Every requirement ID written anywhere in `upstream.md` (the value table and the notes too)
/// exists; placeholders such as `LRA-*` are not IDs.
#[test]
fn upstream_mapping_names_only_known_requirements() {
    let catalog = Catalog::embedded();
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("spec/v1.0/upstream.md"),
    )
    .unwrap();
    let id = regex::Regex::new(r"\b[A-Z]{2,5}-\d{3}\b").unwrap();
    let unknown: BTreeSet<&str> = id
        .find_iter(&text)
        .map(|m| m.as_str())
        .filter(|i| catalog.get(i).is_none())
        .collect();
    assert!(unknown.is_empty(), "upstream.md names unknown {unknown:?}");
}
