//! The committed golden fixtures are exactly what `fixtures/v1.0/cases.yaml` generates, and
//! every `case.json` is well formed against the requirement catalog.

use ai_interop::fixtures::{self, CaseDescriptor};
use ai_interop::spec::Catalog;
use std::collections::BTreeSet;
use std::fs;

#[test]
fn committed_tree_is_regenerated_byte_for_byte() {
    let defs = fixtures::load_definitions(&fixtures::definitions_path()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    fixtures::generate(
        &defs,
        tmp.path(),
        &ai_interop::selftest::passing_requirements,
    )
    .unwrap();
    for kind in fixtures::KINDS {
        compare_kind(tmp.path(), kind);
    }
}

fn compare_kind(tmp: &std::path::Path, kind: &str) {
    let fresh = tmp.join(kind);
    let committed = fixtures::fixtures_root().join(kind);
    let fresh_files = fixtures::list_files(&fresh).unwrap();
    let committed_files = fixtures::list_files(&committed).unwrap();
    let hint = "regenerate with `cargo run -- fixtures generate` and commit the result";
    let a: BTreeSet<_> = fresh_files.iter().collect();
    let b: BTreeSet<_> = committed_files.iter().collect();
    if let Some(f) = a.difference(&b).next() {
        panic!("generated file {f} is not committed under fixtures/v1.0/{kind}; {hint}");
    }
    if let Some(f) = b.difference(&a).next() {
        panic!("committed file fixtures/v1.0/{kind}/{f} is not generated any more; {hint}");
    }
    for f in &fresh_files {
        let x = fs::read(fresh.join(f)).unwrap();
        let y = fs::read(committed.join(f)).unwrap();
        if x != y {
            let at = x
                .iter()
                .zip(&y)
                .position(|(p, q)| p != q)
                .unwrap_or(x.len().min(y.len()));
            panic!(
                "fixtures/v1.0/{kind}/{f} differs from what the generator writes \
                 (first difference at byte {at}; generated {} bytes, committed {}); {hint}",
                x.len(),
                y.len()
            );
        }
    }
    assert_eq!(
        fixtures::fixtures_digest(&fresh).unwrap(),
        fixtures::fixtures_digest(&committed).unwrap()
    );
}

#[test]
fn generation_is_deterministic() {
    let defs = fixtures::load_definitions(&fixtures::definitions_path()).unwrap();
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    fixtures::generate(&defs, a.path(), &ai_interop::selftest::passing_requirements).unwrap();
    fixtures::generate(&defs, b.path(), &ai_interop::selftest::passing_requirements).unwrap();
    assert_eq!(
        fixtures::fixtures_digest(a.path()).unwrap(),
        fixtures::fixtures_digest(b.path()).unwrap()
    );
}

fn prefix_id(case: &CaseDescriptor) -> String {
    let mut parts = case.id.splitn(3, '-');
    format!(
        "{}-{}",
        parts.next().unwrap().to_ascii_uppercase(),
        parts.next().unwrap_or("")
    )
}

#[test]
fn every_case_is_well_formed() {
    let catalog = Catalog::embedded();
    let cases = fixtures::load_cases(&fixtures::fixtures_root()).unwrap();
    assert!(cases.len() >= 80, "only {} cases", cases.len());
    let defs = fixtures::load_definitions(&fixtures::definitions_path()).unwrap();
    let mut ids = BTreeSet::new();
    for (dir, case) in &cases {
        let id = &case.id;
        assert_eq!(
            dir.file_name().unwrap().to_str().unwrap(),
            id,
            "directory name"
        );
        assert!(ids.insert(id.clone()), "{id}: duplicate id");
        assert_eq!(case.spec_version, "1.0", "{id}");
        assert!(fixtures::KINDS.contains(&case.kind.as_str()), "{id}: kind");
        assert_eq!(
            dir.parent().unwrap().file_name().unwrap().to_str().unwrap(),
            case.kind,
            "{id}: directory of its kind"
        );
        assert_eq!(case.reference, fixtures::REFERENCE, "{id}");
        assert!(
            catalog.profile(&case.profile).is_some(),
            "{id}: profile {}",
            case.profile
        );
        assert!(!case.description.is_empty(), "{id}: description");
        assert!(!case.requirements.is_empty(), "{id}: no requirements");
        for r in &case.requirements {
            let req = catalog
                .get(r)
                .unwrap_or_else(|| panic!("{id}: unknown requirement {r}"));
            assert!(
                catalog.in_profile(req, &case.profile),
                "{id}: {r} is not in profile {}",
                case.profile
            );
        }
        for f in ["oci-layout", "index.json", "README.md", "case.json"] {
            if !(f == "oci-layout" && id.starts_with("oci-001-oci-layout-missing")) {
                assert!(dir.join(f).is_file(), "{id}: {f} missing");
            }
        }
        let readme = fs::read_to_string(dir.join("README.md")).unwrap();
        assert_eq!(readme.lines().count(), 1, "{id}: README.md is not one line");
        match (case.expect.verdict.as_str(), &case.expect.failures) {
            ("pass", None) => assert!(id.starts_with("pass-"), "{id}: positive without pass-"),
            ("fail", Some(failures)) => {
                assert_eq!(
                    &case.requirements, failures,
                    "{id}: requirements != failures"
                );
                let named = prefix_id(case);
                assert!(failures.contains(&named), "{id}: failures lack {named}");
                let def = defs.cases.iter().find(|c| &c.id == id).unwrap();
                let coupled: BTreeSet<&str> = def.coupled.iter().map(|c| c.id.as_str()).collect();
                for f in failures {
                    assert!(
                        *f == named || coupled.contains(f.as_str()),
                        "{id}: names {f} besides {named} without declaring it coupled"
                    );
                }
                assert_eq!(failures.len(), 1 + coupled.len(), "{id}");
            }
            other => panic!("{id}: bad expect {other:?}"),
        }
    }
}
