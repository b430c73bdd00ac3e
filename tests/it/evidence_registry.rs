//! Evidence discovery straight from a registry (a fake one on loopback): the referrers API, the
//! fallback tag when the API is absent, evidence pushed after the artifact, and the legacy
//! cosign `.sig` tag — the same facts as from a layout.

use crate::support::{FakeRegistry, Faults, ReferrersFaults};
use ai_interop::digest::Digest;
use ai_interop::document::Limits;
use ai_interop::evidence::{EvidenceFacts, Via};
use ai_interop::fixtures::{self, Definitions};
use ai_interop::inspect::InspectOptions;
use ai_interop::load::open::TargetRef;
use ai_interop::targets::registry::client::Client;
use ai_interop::targets::registry::config::RegistryConfig;
use ai_interop::targets::registry::referrers;
use ai_interop::targets::registry::source::RegistrySource;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

fn cfg(fake: &FakeRegistry) -> RegistryConfig {
    let mut c = RegistryConfig::for_url(&fake.url);
    c.timeouts.connect_ms = 1000;
    c.timeouts.request_ms = 5000;
    c.use_proxy = false;
    let dir = tempfile::tempdir().unwrap().keep();
    std::fs::write(dir.join("config.json"), "{}").unwrap();
    c.auth.docker_config = Some(dir.join("config.json"));
    c
}

/// A generated model-minimal layout with one `note` referrer.
fn layout(dir: &Path) -> PathBuf {
    let yaml = "specVersion: \"1.0\"\nbases:\n  - {name: model-raw, description: r}\n  \
        - {name: model-tar, description: t}\n  - {name: model-minimal, description: m}\n  \
        - {name: skill, description: s}\n  - {name: prompt, description: p}\n  \
        - {name: workflow, description: w}\n  - {name: bundle, description: b}\n\
        cases:\n  - id: pass-x\n    description: x\n    base: model-minimal\n    \
        covers: [OCI-001]\n    evidence: [note]\n";
    std::fs::write(dir.join("cases.yaml"), yaml).unwrap();
    let defs = Definitions::load(&dir.join("cases.yaml")).unwrap();
    fixtures::generate(&defs, &dir.join("out"), &|_, c| c.requirements.clone()).unwrap();
    dir.join("out/model/pass-x")
}

struct Parts {
    /// The artifact's manifest and its blobs.
    artifact: (Vec<u8>, Vec<Vec<u8>>),
    /// The referrer's manifest and its blobs.
    referrer: (Vec<u8>, Vec<Vec<u8>>),
}

fn parts(dir: &Path) -> Parts {
    let read = |d: &str| std::fs::read(dir.join("blobs/sha256").join(&d[7..])).unwrap();
    let index: Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let manifest_with_blobs = |d: &Value| {
        let bytes = read(d["digest"].as_str().unwrap());
        let m: Value = serde_json::from_slice(&bytes).unwrap();
        let mut blobs = vec![read(m["config"]["digest"].as_str().unwrap())];
        for l in m["layers"].as_array().unwrap() {
            blobs.push(read(l["digest"].as_str().unwrap()));
        }
        (bytes, blobs)
    };
    Parts {
        artifact: manifest_with_blobs(&index["manifests"][0]),
        referrer: manifest_with_blobs(&index["manifests"][1]),
    }
}

fn push(client: &Client, repo: &str, reference: &str, (manifest, blobs): &(Vec<u8>, Vec<Vec<u8>>)) {
    for b in blobs {
        client.push_bytes(repo, b).unwrap();
    }
    let put = client
        .put_manifest(repo, reference, MANIFEST, manifest)
        .unwrap();
    let status = put.status;
    assert_eq!(status, 201, "{}", put.snippet());
}

fn discover(c: &RegistryConfig, reference: &str) -> EvidenceFacts {
    TargetRef::parse(reference)
        .unwrap()
        .load_with(&Limits::default(), &InspectOptions { content: true }, c)
        .unwrap()
        .artifact
        .evidence
        .expect("discovery ran")
}

fn scenario(faults: Faults) -> (Vec<EvidenceFacts>, Digest) {
    let tmp = tempfile::tempdir().unwrap();
    let p = parts(&layout(tmp.path()));
    let fake = FakeRegistry::start(faults);
    let c = cfg(&fake);
    let client = Arc::new(Client::new(&c).unwrap());
    let repo = "ns/model";
    push(&client, repo, "v1", &p.artifact);
    let subject = Digest::sha256_of(&p.artifact.0);
    let reference = format!("{}/{repo}:v1", fake.url.trim_start_matches("http://"));
    let before = discover(&c, &reference);
    // Evidence attached after the artifact was pushed.
    let referrer_digest = Digest::sha256_of(&p.referrer.0);
    push(&client, repo, &referrer_digest.to_string(), &p.referrer);
    let src = RegistrySource::new(client.clone(), repo);
    if !has_api(&referrers::discover(&src, &subject, None).unwrap()) {
        // The client's duty when the registry has no referrers API.
        referrers::update_fallback_index(&src, &subject, &p.referrer.0, MANIFEST).unwrap();
    }
    let after = discover(&c, &reference);
    // The legacy cosign tag: the same manifest under `sha256-<hex>.sig`.
    push(
        &client,
        repo,
        &format!("sha256-{}.sig", subject.encoded()),
        &p.referrer,
    );
    let legacy = discover(&c, &reference);
    (vec![before, after, legacy], subject)
}

fn has_api(r: &referrers::Referrers) -> bool {
    matches!(r.via, referrers::Via::Api { .. })
}

#[test]
fn evidence_pushed_after_the_artifact_is_found_through_the_referrers_api() {
    let (facts, _) = scenario(Faults {
        referrers: Some(ReferrersFaults::default()),
        ..Faults::default()
    });
    assert!(facts[0].referrers.is_empty(), "{:?}", facts[0]);
    assert_eq!(facts[1].referrers.len(), 1, "{:?}", facts[1].notes);
    assert_eq!(facts[1].referrers[0].via, Via::RegistryApi);
    assert!(facts[1].referrers[0].blobs[0].content.is_ok());
    assert!(facts[1].rejected.is_empty() && facts[1].error.is_none());
    // The legacy tag holds the same manifest: found once (by the API first).
    assert_eq!(facts[2].referrers.len(), 1);
    assert!(facts[2].notes.iter().any(|n| n.contains(".sig found")));
}

#[test]
fn without_the_api_the_fallback_tag_and_the_legacy_tag_are_read() {
    let (facts, subject) = scenario(Faults::default());
    assert!(facts[0].referrers.is_empty());
    assert_eq!(facts[1].referrers.len(), 1, "{:?}", facts[1].notes);
    assert_eq!(
        facts[1].referrers[0].via,
        Via::RegistryFallbackTag(format!("sha256-{}", subject.encoded()))
    );
    assert_eq!(facts[2].referrers.len(), 1);
}
