//! Evidence discovery over generated layouts: referrers listed in index.json, in a referrers
//! tag-schema index, and the defects the generator's attachment mutations make; hostile referrer
//! indexes are bounded.

use ai_interop::digest::Digest;
use ai_interop::document::Limits;
use ai_interop::evidence::{EvidenceFacts, Problem, Via};
use ai_interop::fixtures::{self, Definitions};
use ai_interop::inspect::InspectOptions;
use ai_interop::load::open::TargetRef;
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

fn add_tag_schema_index(dir: &Path, subject: &Digest, entries: Vec<serde_json::Value>) {
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": entries,
    });
    let bytes = serde_json::to_vec(&index).unwrap();
    let d = Digest::sha256_of(&bytes);
    std::fs::write(dir.join("blobs/sha256").join(d.encoded()), &bytes).unwrap();
    let path = dir.join("index.json");
    let mut layout: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    layout["manifests"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": d.to_string(),
            "size": bytes.len(),
            "annotations": {"org.opencontainers.image.ref.name":
                format!("sha256-{}", subject.encoded())},
        }));
    std::fs::write(&path, serde_json::to_vec(&layout).unwrap()).unwrap();
}

#[test]
fn a_referrer_index_with_10000_entries_is_bounded() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), "[]");
    let (subject, _) = discover(&dir);
    let entries = (0..10_000u32)
        .map(|i| {
            serde_json::json!({
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": Digest::sha256_of(&i.to_be_bytes()).to_string(),
                "size": 100,
                "artifactType": "application/vnd.example.x",
            })
        })
        .collect();
    add_tag_schema_index(&dir, &subject, entries);
    let started = std::time::Instant::now();
    let (_, facts) = discover(&dir);
    let e = facts.error.as_deref().expect("a bound, reported");
    assert!(e.contains("10000 referrers"), "{e}");
    assert_eq!(facts.rejected.len(), 1_000, "only the bound is examined");
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
}

#[test]
fn a_referrer_listing_the_artifact_itself_is_rejected_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), "[]");
    let (subject, _) = discover(&dir);
    let own = serde_json::json!({
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": subject.to_string(),
        "size": 1,
    });
    add_tag_schema_index(&dir, &subject, vec![own.clone(), own]);
    let (_, facts) = discover(&dir);
    assert_eq!(facts.rejected.len(), 1, "{:?}", facts.rejected);
    assert_eq!(facts.rejected[0].problem, Problem::SelfReference);
}

/// Replace the only referrer's blob with `bytes`, keeping every digest consistent.
fn replace_referrer_blob(dir: &Path, bytes: &[u8]) {
    let path = dir.join("index.json");
    let mut layout: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let desc = &mut layout["manifests"][1];
    let old = Digest::parse(desc["digest"].as_str().unwrap()).unwrap();
    let blobs = dir.join("blobs/sha256");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(blobs.join(old.encoded())).unwrap()).unwrap();
    let d = Digest::sha256_of(bytes);
    std::fs::write(blobs.join(d.encoded()), bytes).unwrap();
    manifest["layers"][0]["digest"] = d.to_string().into();
    manifest["layers"][0]["size"] = bytes.len().into();
    let m = serde_json::to_vec(&manifest).unwrap();
    let md = Digest::sha256_of(&m);
    std::fs::write(blobs.join(md.encoded()), &m).unwrap();
    desc["digest"] = md.to_string().into();
    desc["size"] = m.len().into();
    std::fs::write(&path, serde_json::to_vec(&layout).unwrap()).unwrap();
}

#[test]
fn huge_and_deeply_nested_evidence_is_a_fact_not_a_crash() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = generate(tmp.path(), "[note]");
    let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    replace_referrer_blob(&dir, deep.as_bytes());
    let (_, facts) = discover(&dir);
    let doc = facts.referrers[0].blobs[0].content.as_ref().unwrap();
    assert!(doc.json.as_ref().unwrap_err().contains("recursion limit"));

    // Over the bound: not read, said so.
    let huge = vec![b' '; 64 << 10];
    replace_referrer_blob(&dir, &huge);
    let limits = Limits {
        max_document_bytes: 32 << 10,
        ..Limits::default()
    };
    let t = TargetRef::Layout {
        dir: dir.clone(),
        selector: Some("v1".into()),
    };
    let a = t.load(&limits, &InspectOptions { content: true }).unwrap();
    let e = a.evidence.unwrap().referrers[0].blobs[0]
        .content
        .clone()
        .unwrap_err();
    assert!(e.contains("bound on evidence"), "{e}");
}
