//! `ai-interop check <registry>/<repo>:<tag>` and `ai-interop run registry` as a user runs them,
//! against in-process fake registries: exit codes, findings, the common report, and no
//! credential in any output.

use crate::support::{Auth, FakeRegistry, Faults};
use ai_interop::schemas::{SchemaKind, validate};
use ai_interop::suites::registry::golden;
use ai_interop::targets::redact::Secret;
use ai_interop::targets::registry::client::Client;
use ai_interop::targets::registry::config::RegistryConfig;
use ai_interop::targets::registry::manifest;
use base64::Engine as _;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const USER: &str = "carol";
const PASSWORD: &str = "cli-pw-s3cret-9f2";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run the binary with a clean registry environment plus `env`.
fn ai_interop(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ai-interop"));
    cmd.args(args).current_dir(root()).env_remove("CI");
    for (k, _) in std::env::vars() {
        if k.starts_with("AI_INTEROP_REGISTRY_") {
            cmd.env_remove(k);
        }
    }
    // Never read the developer's own Docker credentials.
    cmd.env("AI_INTEROP_REGISTRY_DOCKER_CONFIG", empty_docker_config());
    cmd.env("AI_INTEROP_REGISTRY_USE_PROXY", "false");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

/// An empty Docker config, written once (tests run in parallel; rewriting it while another
/// process reads it would hand that process a truncated file).
fn empty_docker_config() -> PathBuf {
    static PATH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let p = dir.join("config.json");
        std::fs::write(&p, "{}").unwrap();
        p
    })
    .clone()
}

fn client_cfg(fake: &FakeRegistry, auth: bool) -> RegistryConfig {
    let mut c = RegistryConfig::for_url(&fake.url);
    c.use_proxy = false;
    c.timeouts.request_ms = 5000;
    c.auth.docker_config = Some(std::env::temp_dir().join("ai-interop-no-such-docker-config"));
    if auth {
        c.auth.username = Some(USER.into());
        c.auth.password = Some(Secret::new(PASSWORD));
    } else {
        c.auth.docker_config = None;
        c.auth.token = None;
    }
    c
}

/// Push the golden fixture `case` into `repo:v1` with the library's client.
fn push_fixture(fake: &FakeRegistry, auth: bool, case: &str, repo: &str) -> String {
    let all = golden::positive_fixtures(&ai_interop::fixtures::fixtures_root()).unwrap();
    let f = all.iter().find(|f| f.case == case).expect("fixture exists");
    let mut cfg = client_cfg(fake, auth);
    if !auth {
        // An explicit empty docker config keeps the developer's credentials out.
        cfg.auth.docker_config = Some(empty_docker_config());
    }
    let client = Client::new(&cfg).unwrap();
    for (_, d, size) in &f.blobs {
        let file = f.layout.open_blob_file(d).unwrap();
        let r = client
            .push_blob(repo, d, *size, Box::new(file), false)
            .unwrap();
        assert_eq!(r.status, 201, "blob {d}");
    }
    let r = client
        .put_manifest(repo, "v1", &f.media_type, &f.bytes)
        .unwrap();
    assert_eq!(r.status, 201);
    f.digest.to_string()
}

fn host(fake: &FakeRegistry) -> String {
    fake.url.trim_start_matches("http://").to_string()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// No file under `dir`, and neither output stream, holds the password or `user:password` in
/// base64.
fn assert_no_credentials(dir: &Path, out: &Output) {
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    let mut texts = vec![
        (
            "stdout".to_string(),
            String::from_utf8_lossy(&out.stdout).to_string(),
        ),
        (
            "stderr".to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        ),
    ];
    for f in files_under(dir) {
        texts.push((
            f.display().to_string(),
            String::from_utf8_lossy(&std::fs::read(&f).unwrap()).to_string(),
        ));
    }
    for (name, text) in texts {
        assert!(!text.contains(PASSWORD), "password in {name}");
        assert!(!text.contains(&b64), "base64 credentials in {name}");
    }
}

fn report(dir: &Path) -> Value {
    let v: Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(validate(SchemaKind::Report, &v), vec![], "report schema");
    v
}

#[test]
fn check_a_conformant_fixture_in_a_registry() {
    let fake = FakeRegistry::start(Faults::default());
    let digest = push_fixture(&fake, false, "pass-model-tar", "ns/model");
    let out_dir = tempfile::tempdir().unwrap();
    let reference = format!("{}/ns/model:v1", host(&fake));
    let out = ai_interop(
        &[
            "check",
            &reference,
            "--out",
            out_dir.path().to_str().unwrap(),
        ],
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let v = report(out_dir.path());
    assert_eq!(v["target"]["kind"], "registry");
    assert_eq!(v["target"]["reference"], reference);
    assert_eq!(v["target"]["manifestDigest"], digest);
    assert_eq!(v["run"]["options"]["registry"]["manifestDigest"], digest);
    // Every blob came from the registry, streamed.
    let log = fake.log();
    assert!(
        log.iter()
            .any(|l| l.method == "GET" && l.target.contains("/blobs/sha256:"))
    );
    // By digest too.
    let by_digest = format!("{}/ns/model@{digest}", host(&fake));
    let out = ai_interop(&["check", &by_digest, "--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["target"]["reference"], by_digest);
}

/// `unpack` from a registry: the gate's check and the extraction share one download per blob,
/// the manifest is asked for once, the referrers not at all for a profile that judges no
/// evidence, and the tree is the one unpacked from the layout.
#[test]
fn unpack_from_a_registry_downloads_each_blob_once() {
    let fake = FakeRegistry::start(Faults::default());
    push_fixture(&fake, false, "pass-model-tar", "ns/model");
    let work = tempfile::tempdir().unwrap();
    let from_registry = work.path().join("from-registry");
    let reference = format!("{}/ns/model:v1", host(&fake));
    let before = fake.log().len();
    let out = ai_interop(
        &["unpack", &reference, from_registry.to_str().unwrap()],
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = fake.log()[before..].to_vec();
    let mut gets: std::collections::BTreeMap<String, usize> = Default::default();
    for l in &log {
        if l.method == "GET" && l.target.contains("/blobs/") {
            *gets.entry(l.target.clone()).or_default() += 1;
        }
    }
    let requests: Vec<String> = log
        .iter()
        .map(|l| format!("{} {}", l.method, l.target))
        .collect();
    let manifests = requests
        .iter()
        .filter(|r| r.contains("/manifests/"))
        .count();
    assert_eq!(
        manifests, 1,
        "the manifest once, nothing else: {requests:#?}"
    );
    assert!(
        !requests.iter().any(|r| r.contains("/referrers/")),
        "no referrers lookup for core: {requests:#?}"
    );
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(root().join("fixtures/v1.0/model/pass-model-tar/index.json")).unwrap(),
    )
    .unwrap();
    let layout = root().join("fixtures/v1.0/model/pass-model-tar");
    let m = &manifest["manifests"][0]["digest"];
    let m: Value = serde_json::from_slice(
        &std::fs::read(
            layout
                .join("blobs/sha256")
                .join(&m.as_str().unwrap()["sha256:".len()..]),
        )
        .unwrap(),
    )
    .unwrap();
    let layers = m["layers"].as_array().unwrap();
    assert!(layers.len() > 1, "a fixture with several layers");
    for l in layers.iter().chain([&m["config"]]) {
        let d = l["digest"].as_str().unwrap();
        let n = gets
            .iter()
            .filter(|(t, _)| t.ends_with(&format!("/blobs/{d}")))
            .map(|(_, n)| *n)
            .sum::<usize>();
        assert_eq!(n, 1, "blob {d} downloaded {n} times: {gets:?}");
    }
    assert_eq!(
        gets.values().sum::<usize>(),
        layers.len() + 1,
        "no other blob: {gets:?}"
    );
    // A profile that judges evidence looks the referrers up (this artifact has none, so the
    // gate refuses it and nothing is written).
    let before = fake.log().len();
    let trusted = work.path().join("trusted");
    let out = ai_interop(
        &[
            "unpack",
            &reference,
            trusted.to_str().unwrap(),
            "--profile",
            "trusted",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!trusted.exists());
    assert!(
        fake.log()[before..]
            .iter()
            .any(|l| l.target.contains("/referrers/")),
        "{:#?}",
        fake.log()[before..].to_vec()
    );
    let from_layout = work.path().join("from-layout");
    let out = ai_interop(
        &[
            "unpack",
            "oci:fixtures/v1.0/model/pass-model-tar:v1",
            from_layout.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    let tree = |dir: &Path| -> Vec<(PathBuf, Vec<u8>)> {
        let mut files: Vec<(PathBuf, Vec<u8>)> = files_under(dir)
            .into_iter()
            .map(|f| {
                (
                    f.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&f).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    };
    assert_eq!(tree(&from_registry), tree(&from_layout));
    // Beside each tree, its unpack record (`.NAME.ai-interop-unpacked.json`), and nothing else.
    let mut left: Vec<String> = std::fs::read_dir(work.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            ".from-layout.ai-interop-unpacked.json",
            ".from-registry.ai-interop-unpacked.json",
            "from-layout",
            "from-registry"
        ],
        "no temporary tree left"
    );
}

#[test]
fn check_a_registry_that_serves_other_bytes() {
    let fake = FakeRegistry::start(Faults {
        corrupt_blobs: true,
        ..Default::default()
    });
    push_fixture(&fake, false, "pass-model-raw", "ns/model");
    let reference = format!("{}/ns/model:v1", host(&fake));
    let out = ai_interop(&["check", &reference, "--format", "json"], &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(validate(SchemaKind::Report, &v), vec![]);
    let failed: Vec<&str> = v["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail")
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(failed.contains(&"DSC-004"), "{failed:?}");
    let findings = v["tests"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["findings"].as_array().unwrap().iter())
        .filter(|f| f["requirement"] == "DSC-004")
        .count();
    assert!(findings > 0);
}

#[test]
fn check_registry_exit_codes() {
    let fake = FakeRegistry::start(Faults::default());
    push_fixture(&fake, false, "pass-model-raw", "ns/model");
    let h = host(&fake);
    // Malformed references are usage errors.
    for bad in [
        format!("{h}/NS/Model:v1"),
        format!("{h}/ns/model@sha256:zz"),
        "noregistry".to_string(),
    ] {
        let out = ai_interop(&["check", &bad], &[]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
    }
    // A tag that does not exist is the user's to fix.
    let out = ai_interop(&["check", &format!("{h}/ns/model:nope")], &[]);
    assert_eq!(out.status.code(), Some(2));
    // An unreachable registry is a harness error, quickly, with a clear message.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    let out = ai_interop(
        &["check", &format!("127.0.0.1:{port}/ns/model:v1")],
        &[("AI_INTEROP_REGISTRY_CONNECT_TIMEOUT_MS", "1000")],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("127.0.0.1:{port}")));
    // A bad registry configuration file is a usage error.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("r.json");
    std::fs::write(&bad, r#"{"urll": 1}"#).unwrap();
    let out = ai_interop(
        &[
            "check",
            &format!("{h}/ns/model:v1"),
            "--registry-config",
            bad.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn check_with_credentials_from_a_config_file_never_leaks_them() {
    let fake = FakeRegistry::start_with_auth(
        Faults::default(),
        Auth::Basic {
            user: USER.into(),
            password: PASSWORD.into(),
        },
    );
    push_fixture(&fake, true, "pass-model-raw", "ns/model");
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("registry.json");
    std::fs::write(
        &cfg,
        format!(r#"{{"auth": {{"username": "{USER}", "password": "{PASSWORD}"}}}}"#),
    )
    .unwrap();
    let out_dir = dir.path().join("out");
    let reference = format!("{}/ns/model:v1", host(&fake));
    let out = ai_interop(
        &[
            "check",
            &reference,
            "--registry-config",
            cfg.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    report(&out_dir);
    assert_no_credentials(&out_dir, &out);
    // Without credentials: refused, a harness error that names no secret.
    let out = ai_interop(&["check", &reference], &[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("401"));
    // A wrong password from the environment: also 3, and the wrong password is not echoed.
    let out = ai_interop(
        &["check", &reference],
        &[
            ("AI_INTEROP_REGISTRY_USERNAME", USER),
            ("AI_INTEROP_REGISTRY_PASSWORD", "wrong-pw-zz81"),
        ],
    );
    assert_eq!(out.status.code(), Some(3));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains("wrong-pw-zz81"));
}

#[test]
fn run_registry_writes_the_common_report_without_credentials() {
    let fake = FakeRegistry::start_with_auth(
        Faults {
            referrers: Some(Default::default()),
            ..Default::default()
        },
        Auth::Basic {
            user: USER.into(),
            password: PASSWORD.into(),
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("report");
    let out = ai_interop(
        &["run", "registry", "--out", out_dir.to_str().unwrap()],
        &[
            ("AI_INTEROP_REGISTRY_URL", &fake.url),
            ("AI_INTEROP_REGISTRY_USERNAME", USER),
            ("AI_INTEROP_REGISTRY_PASSWORD", PASSWORD),
            ("AI_INTEROP_REGISTRY_LARGE_BLOB_SIZE", "3000000"),
            ("AI_INTEROP_REGISTRY_CHUNK_SIZE", "1000"),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let v = report(&out_dir);
    assert_eq!(v["target"]["kind"], "registry");
    let tests = v["tests"].as_array().unwrap();
    assert_eq!(tests.len(), ai_interop::suites::registry::TESTS.len());
    let reqs = v["requirements"].as_array().unwrap();
    assert!(
        reqs.iter()
            .all(|r| r["id"].as_str().unwrap().starts_with("REG-"))
    );
    assert!(reqs.iter().any(|r| r["id"] == "REG-028"));
    // The fake implements every feature: core and extended pass, the profile succeeds.
    assert_eq!(v["profiles"][0]["name"], "core");
    assert_eq!(v["profiles"][0]["result"], "success", "{}", v["summary"]);
    assert_eq!(v["run"]["options"]["auth"], "basic");
    assert_eq!(
        v["run"]["options"]["capability"]["core"]["result"],
        "success"
    );
    assert!(
        v["run"]["options"]["fixturesPushed"]
            .as_array()
            .unwrap()
            .len()
            >= 10
    );
    assert!(v["spec"]["fixturesDigest"].is_string());
    for f in ["report.md", "report.junit.xml", "badge-core.json"] {
        assert!(out_dir.join(f).is_file(), "{f}");
    }
    assert_no_credentials(&out_dir, &out);
}

#[test]
fn run_registry_unsupported_features_are_partial_never_failure() {
    use crate::support::Mode;
    // Distribution 2.8.2's shape: no referrers API, no mount, no delete, `n` ignored.
    let fake = FakeRegistry::start(Faults {
        mount: Mode::Unsupported,
        delete: Mode::Unsupported,
        pagination: Mode::Unsupported,
        ..Default::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let out = ai_interop(
        &["run", "registry", "--out", dir.path().to_str().unwrap()],
        &[
            ("AI_INTEROP_REGISTRY_URL", &fake.url),
            ("AI_INTEROP_REGISTRY_LARGE_BLOB_SIZE", "3000000"),
            ("AI_INTEROP_REGISTRY_CHUNK_SIZE", "1000"),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = report(dir.path());
    assert_eq!(v["profiles"][0]["result"], "partial");
    let cap = &v["run"]["options"]["capability"];
    assert_eq!(cap["core"]["result"], "success");
    assert_eq!(cap["extended"]["total"], 7);
    assert!(cap["extended"]["supported"].as_u64().unwrap() < 7);
    let summary = v["summary"].as_str().unwrap();
    assert!(summary.contains("unsupported: "), "{summary}");
    // The skip carries the registry's answer as evidence.
    let skips: Vec<&Value> = v["tests"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["findings"].as_array().unwrap().iter())
        .filter(|f| f["status"] == "skip")
        .collect();
    assert!(
        skips.iter().any(
            |f| f["requirement"] == "REG-020" && f["message"].as_str().unwrap().contains("404")
        )
    );
}

#[test]
fn run_registry_exit_codes() {
    // No URL: a usage error.
    let out = ai_interop(&["run", "registry"], &[]);
    assert_eq!(out.status.code(), Some(2));
    // Unreachable: the report is written, and the exit is a harness error.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    let dir = tempfile::tempdir().unwrap();
    let out = ai_interop(
        &["run", "registry", "--out", dir.path().to_str().unwrap()],
        &[
            (
                "AI_INTEROP_REGISTRY_URL",
                &format!("http://127.0.0.1:{port}"),
            ),
            ("AI_INTEROP_REGISTRY_CONNECT_TIMEOUT_MS", "1000"),
        ],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unreachable"));
    let v = report(dir.path());
    assert_eq!(v["profiles"][0]["result"], "failure");
}

/// Push an agent bundle fixture: every member's blobs, every member manifest by digest, then the
/// index under `v1`.
fn push_bundle(fake: &FakeRegistry, case: &str, repo: &str) {
    push_index_fixture(fake, "bundle", case, repo);
}

/// Push a fixture whose tag names an image index: below it, depth first, every manifest's blobs
/// and the manifest by digest, every nested index by digest; then the tagged index under `v1`.
/// A child the layout lacks is skipped (a negative case may name one).
fn push_index_fixture(fake: &FakeRegistry, kind: &str, case: &str, repo: &str) {
    use ai_interop::document::Limits;
    use ai_interop::targets::layout::OciLayout;
    let dir = root().join("fixtures/v1.0").join(kind).join(case);
    let layout = OciLayout::open(&dir, &Limits::default()).unwrap();
    let (_, index) = layout.select(Some("v1"), &Limits::default()).unwrap();
    let mut cfg = client_cfg(fake, false);
    cfg.auth.docker_config = Some(empty_docker_config());
    let client = Client::new(&cfg).unwrap();
    push_tree(&client, &layout, repo, &index.bytes.unwrap(), "v1");
}

fn push_tree(
    client: &Client,
    layout: &ai_interop::targets::layout::OciLayout,
    repo: &str,
    bytes: &[u8],
    reference: &str,
) {
    use ai_interop::source::BlobSource;
    use std::io::Read;
    let doc: Value = serde_json::from_slice(bytes).unwrap();
    let media_type = match doc["manifests"].as_array() {
        Some(children) => {
            for child in children {
                let digest =
                    ai_interop::digest::Digest::parse(child["digest"].as_str().unwrap()).unwrap();
                let Ok(mut reader) = layout.open_blob(&digest) else {
                    continue;
                };
                let mut child_bytes = Vec::new();
                reader.read_to_end(&mut child_bytes).unwrap();
                push_tree(client, layout, repo, &child_bytes, &digest.to_string());
            }
            "application/vnd.oci.image.index.v1+json"
        }
        None => {
            for (_, parts) in manifest::referenced_blobs(&doc) {
                let (_, d, size) = parts.unwrap();
                let file = layout.open_blob_file(&d).unwrap();
                let r = client
                    .push_blob(repo, &d, size, Box::new(file), false)
                    .unwrap();
                assert_eq!(r.status, 201, "blob {d}");
            }
            "application/vnd.oci.image.manifest.v1+json"
        }
    };
    let r = client
        .put_manifest(repo, reference, media_type, bytes)
        .unwrap();
    assert_eq!(r.status, 201, "manifest {reference}");
}

/// `check <reference> --profile agentic` as JSON: the exit code and the report.
fn check_agentic(reference: &str) -> (Option<i32>, Value) {
    let out = ai_interop(
        &[
            "check",
            reference,
            "--profile",
            "agentic",
            "--format",
            "json",
        ],
        &[],
    );
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

#[test]
fn check_an_agent_bundle_in_a_registry() {
    let fake = FakeRegistry::start(Faults::default());
    push_bundle(&fake, "pass-bundle", "ns/bundle");
    let reference = format!("{}/ns/bundle:v1", host(&fake));
    let (code, v) = check_agentic(&reference);
    assert_eq!(code, Some(0), "{v:#}");
    let bnd5 = v["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "BND-005")
        .unwrap();
    assert_eq!(bnd5["status"], "pass");

    push_bundle(&fake, "bnd-007-reference-outside", "ns/outside");
    let reference = format!("{}/ns/outside:v1", host(&fake));
    let (code, v) = check_agentic(&reference);
    assert_eq!(code, Some(1));
    let failed: Vec<&str> = v["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail")
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["BND-007"]);
}

#[test]
fn check_an_image_index_in_a_registry() {
    let fake = FakeRegistry::start(Faults::default());
    push_index_fixture(&fake, "model", "pass-index-nested", "ns/nested");
    let reference = format!("{}/ns/nested:v1", host(&fake));
    let out = ai_interop(&["check", &reference, "--format", "json"], &[]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    let manifests = v["target"]["manifests"].as_array().unwrap();
    assert_eq!(manifests.len(), 1, "{v:#}");
    assert_eq!(manifests[0]["path"], "/manifests/0/manifests/0");
    let child = manifests[0]["digest"].as_str().unwrap();
    // The model's own checks ran on the manifest inside, and say so.
    let structure = v["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["id"] == "manifest.structure")
        .map(|t| {
            (
                t["manifest"].as_str().unwrap(),
                t["status"].as_str().unwrap(),
            )
        })
        .collect::<Vec<_>>();
    // Once on the index itself (not applicable there), once on the manifest inside.
    let root = v["target"]["manifestDigest"].as_str().unwrap();
    assert_eq!(structure, [(root, "not-applicable"), (child, "pass")]);
    assert!(validate(SchemaKind::Report, &v).is_empty());

    push_index_fixture(&fake, "model", "idx-001-missing-child", "ns/missing");
    let reference = format!("{}/ns/missing:v1", host(&fake));
    let out = ai_interop(&["check", &reference, "--format", "json"], &[]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{v:#}");
    let failed: Vec<&str> = v["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] != "pass" && r["status"] != "not-applicable")
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["IDX-001"]);
}
