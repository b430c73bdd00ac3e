//! Evidence discovery over generated layouts: referrers listed in index.json, in a referrers
//! tag-schema index, and the defects the generator's attachment mutations make; hostile referrer
//! indexes are bounded.

use ai_interop::artifact::Limits;
use ai_interop::digest::Digest;
use ai_interop::evidence::{EvidenceFacts, Problem, Via};
use ai_interop::fixtures::{self, Definitions};
use ai_interop::inspect::InspectOptions;
use ai_interop::target::TargetRef;
use std::path::{Path, PathBuf};

const BASES: &str = "
bases:
  - {name: model-raw, description: r}
  - {name: model-tar, description: t}
  - {name: model-minimal, description: m}
  - {name: skill, description: s}
  - {name: prompt, description: p}
  - {name: workflow, description: w}
  - {name: bundle, description: b}
";

/// Generate one case of base model-minimal with the given evidence list (YAML flow text).
fn generate(dir: &Path, evidence: &str) -> PathBuf {
    let yaml = format!(
        "specVersion: \"1.0\"\n{BASES}\ncases:\n  - id: pass-x\n    description: x\n    \
         base: model-minimal\n    covers: [OCI-001]\n    evidence: {evidence}\n"
    );
    let path = dir.join("cases.yaml");
    std::fs::write(&path, yaml).unwrap();
    let defs = Definitions::load(&path).unwrap();
    fixtures::generate(&defs, &dir.join("out"), &|_, c| c.requirements.clone()).unwrap();
    dir.join("out/model/pass-x")
}

fn discover(dir: &Path) -> (Digest, EvidenceFacts) {
    let t = TargetRef::Layout {
        dir: dir.into(),
        selector: Some("v1".into()),
    };
    let a = t
        .load(&Limits::default(), &InspectOptions { content: true })
        .unwrap();
    (
        a.manifest_digest.clone(),
        a.evidence.expect("discovery ran"),
    )
}

#[test]
fn referrers_in_index_json_and_in_a_tag_schema_index_are_found() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), "[note, {kind: note, mutation: tag-schema}]");
    let (_, facts) = discover(&dir);
    // The two notes have the same bytes, so they are one referrer listed twice.
    assert_eq!(facts.referrers.len(), 1, "{facts:?}");
    assert!(facts.rejected.is_empty(), "{:?}", facts.rejected);
    assert_eq!(facts.referrers[0].via, Via::LayoutIndex);
    let blob = &facts.referrers[0].blobs[0];
    assert!(blob.content.is_ok(), "{:?}", blob.content);
    assert!(facts.error.is_none());
}

#[test]
fn a_layout_without_referrers_has_empty_evidence() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), "[]");
    let (_, facts) = discover(&dir);
    assert!(facts.referrers.is_empty() && facts.rejected.is_empty());
}

#[test]
fn attachment_defects_are_facts() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), "[{kind: note, mutation: subject-other-digest}]");
    let (_, facts) = discover(&dir);
    assert!(facts.referrers.is_empty());
    assert!(
        matches!(facts.rejected[0].problem, Problem::WrongSubject(Some(_))),
        "{:?}",
        facts.rejected
    );

    let dir = generate(tmp.path(), "[{kind: note, mutation: self-referrer}]");
    let (_, facts) = discover(&dir);
    assert_eq!(facts.referrers.len(), 1);
    assert_eq!(facts.rejected[0].problem, Problem::SelfReference);

    let dir = generate(tmp.path(), "[{kind: note, mutation: drop-blob}]");
    let (_, facts) = discover(&dir);
    let e = facts.referrers[0].blobs[0].content.as_ref().unwrap_err();
    assert!(e.contains("not present"), "{e}");

    let dir = generate(tmp.path(), "[{kind: note, mutation: flip-blob}]");
    let (_, facts) = discover(&dir);
    let e = facts.referrers[0].blobs[0].content.as_ref().unwrap_err();
    assert!(e.contains("hash to"), "{e}");
}
