//! `--profile trusted` against evidence made by the real producers, not by our fixture
//! generator: cosign v3 (key-based, offline: a Sigstore bundle stored as an OCI 1.1 referrer),
//! notation (a test-only CA made here), SBOM and SLSA provenance attached with `oras attach`,
//! in olareg (referrers API) and Distribution 2.8.2 (no API: the referrers fallback tag), and
//! in OCI layouts copied out with `oras cp -r` and `oras backup`. Every tampered variant is
//! refused with the requirement that names what broke.
//!
//! Tools are found in `AI_INTEROP_TOOLS_BIN`, then on PATH (`.ci/tools.sh` builds them). olareg
//! is `AI_INTEROP_TEST_REGISTRY_OLAREG`, else started here on a free loopback port;
//! Distribution 2.8.2 is `AI_INTEROP_TEST_REGISTRY` (`.ci/registry.sh`). Without them a test
//! prints `skipped: …` and passes, unless `CI=true`, where it fails. Every key, certificate and
//! tool configuration lives in a temporary directory of the test (HOME and XDG dirs included).

use base64::Engine as _;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const SUBJECT_FIXTURE: &str = "fixtures/v1.0/model/sig-001-unsigned";
const FRAMEWORK: &str = "org.cncf.ai.security.signing.framework";
const BUNDLE_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
const NOTARY_TYPE: &str = "application/vnd.cncf.notary.signature";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// `None` after printing why the test is skipped; a failure under `CI=true`.
fn missing<T>(what: &str) -> Option<T> {
    if env("CI").as_deref() == Some("true") {
        panic!("CI=true but {what} (.ci/run must provide it)");
    }
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "skipped: {what}");
    None
}

fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs = env("AI_INTEROP_TOOLS_BIN")
        .into_iter()
        .map(PathBuf::from)
        .chain(std::env::split_paths(&path));
    dirs.map(|d| d.join(name)).find(|p| p.is_file())
}

struct Tools {
    cosign: PathBuf,
    notation: PathBuf,
    oras: PathBuf,
    olareg: PathBuf,
    openssl: PathBuf,
}

fn tools() -> Option<Tools> {
    let mut found = Vec::new();
    for name in ["cosign", "notation", "oras", "olareg", "openssl"] {
        match find_tool(name) {
            Some(p) => found.push(p),
            None => {
                return missing(&format!(
                    "no `{name}` in AI_INTEROP_TOOLS_BIN or PATH (bash .ci/tools.sh builds it)"
                ));
            }
        }
    }
    let mut it = found.into_iter();
    let mut next = || it.next().expect("five tools");
    Some(Tools {
        cosign: next(),
        notation: next(),
        oras: next(),
        olareg: next(),
        openssl: next(),
    })
}

/// A registry under test: its `host:port`, and the olareg process when this test started it.
struct Registry {
    name: &'static str,
    host: String,
    child: Option<Child>,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for Registry {
    fn drop(&mut self) {
        if let Some(c) = &mut self.child {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn host_of(url: &str) -> String {
    url.trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

fn olareg(tools: &Tools) -> Registry {
    if let Some(url) = env("AI_INTEROP_TEST_REGISTRY_OLAREG") {
        return Registry {
            name: "olareg",
            host: host_of(&url),
            child: None,
            _dir: None,
        };
    }
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let child = Command::new(&tools.olareg)
        .args(["serve", "--addr", "127.0.0.1", "--port", &port.to_string()])
        .arg("--dir")
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("olareg starts");
    let host = format!("127.0.0.1:{port}");
    let start = Instant::now();
    while std::net::TcpStream::connect(&host).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "olareg never listened"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Registry {
        name: "olareg",
        host,
        child: Some(child),
        _dir: Some(dir),
    }
}

fn distribution() -> Option<Registry> {
    match env("AI_INTEROP_TEST_REGISTRY") {
        Some(url) => Some(Registry {
            name: "distribution-2.8.2",
            host: host_of(&url),
            child: None,
            _dir: None,
        }),
        None => missing(
            "no Distribution 2.8.2 (AI_INTEROP_TEST_REGISTRY unset; `source .ci/registry.sh && registry_start_all`)",
        ),
    }
}

/// A scratch directory that is HOME, XDG_CONFIG_HOME and DOCKER_CONFIG of every tool run.
struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    fn new() -> Work {
        let dir = tempfile::tempdir().unwrap();
        for d in ["home", "xdg", "docker"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        std::fs::write(dir.path().join("docker/config.json"), "{}").unwrap();
        Work { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Run a tool; its output on failure.
    fn run(&self, tool: &Path, args: &[&str]) -> Output {
        Command::new(tool)
            .args(args)
            .current_dir(self.dir.path())
            .env("HOME", self.path("home"))
            .env("XDG_CONFIG_HOME", self.path("xdg"))
            .env("DOCKER_CONFIG", self.path("docker"))
            .env("COSIGN_PASSWORD", "test-only")
            .env_remove("CI")
            .stdin(Stdio::null())
            .output()
            .expect("the tool runs")
    }

    #[track_caller]
    fn ok(&self, tool: &Path, args: &[&str]) -> Vec<u8> {
        let out = self.run(tool, args);
        assert!(
            out.status.success(),
            "{} {args:?} failed:\n{}\n{}",
            tool.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

fn sha256(bytes: &[u8]) -> String {
    ai_interop::digest::Digest::sha256_of(bytes).to_string()
}

/// The unsigned fixture's artifact with `framework` as its signing framework, as a one-manifest
/// OCI layout tagged `v1`: (layout dir, manifest digest, layer digests).
fn subject(work: &Work, framework: &str, name: &str) -> (PathBuf, String, Vec<String>) {
    let src = root().join(SUBJECT_FIXTURE);
    let index: Value =
        serde_json::from_slice(&std::fs::read(src.join("index.json")).unwrap()).unwrap();
    let tagged = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["annotations"]["org.opencontainers.image.ref.name"] == "v1")
        .unwrap()["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let blob = |d: &str| {
        src.join("blobs/sha256")
            .join(d.trim_start_matches("sha256:"))
    };
    let mut m: Value = serde_json::from_slice(&std::fs::read(blob(&tagged)).unwrap()).unwrap();
    m["annotations"][FRAMEWORK] = json!(framework);
    let bytes = serde_json::to_vec(&m).unwrap();
    let digest = sha256(&bytes);
    let dir = work.path(name);
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let mut layers = Vec::new();
    for d in std::iter::once(&m["config"]).chain(m["layers"].as_array().unwrap()) {
        let dg = d["digest"].as_str().unwrap();
        std::fs::copy(blob(dg), blobs.join(dg.trim_start_matches("sha256:"))).unwrap();
        if d != &m["config"] {
            layers.push(dg.to_string());
        }
    }
    std::fs::write(blobs.join(digest.trim_start_matches("sha256:")), &bytes).unwrap();
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let idx = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": digest, "size": bytes.len(),
            "annotations": {"org.opencontainers.image.ref.name": "v1"}}]});
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&idx).unwrap()).unwrap();
    (dir, digest, layers)
}

/// An SPDX 2.3 SBOM that names the manifest digest and covers every layer (SBM-003/004).
fn spdx(digest: &str, layers: &[String]) -> Vec<u8> {
    let hex = digest.trim_start_matches("sha256:");
    let files: Vec<Value> = layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            json!({"SPDXID": format!("SPDXRef-Layer-{i}"), "fileName": format!("layer-{i}"),
                "checksums": [{"algorithm": "SHA256", "checksumValue": l.trim_start_matches("sha256:")}],
                "licenseConcluded": "NOASSERTION"})
        })
        .collect();
    let mut rel = vec![json!({"spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-Artifact"})];
    rel.extend((0..layers.len()).map(|i| {
        json!({"spdxElementId": "SPDXRef-Artifact", "relationshipType": "CONTAINS",
            "relatedSpdxElement": format!("SPDXRef-Layer-{i}")})
    }));
    serde_json::to_vec_pretty(&json!({
        "spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
        "name": "Tiny LLM SBOM",
        "documentNamespace": format!("https://test-only.invalid/spdx/{hex}"),
        "creationInfo": {"created": "2026-01-01T00:00:00Z", "creators": ["Tool: trust_real_tools"]},
        "documentDescribes": ["SPDXRef-Artifact"],
        "packages": [{"SPDXID": "SPDXRef-Artifact", "name": "Tiny LLM",
            "downloadLocation": "NOASSERTION", "filesAnalyzed": false,
            "primaryPackagePurpose": "CONTAINER",
            "checksums": [{"algorithm": "SHA256", "checksumValue": hex}],
            "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                "referenceLocator": format!("pkg:oci/tiny-llm@sha256%3A{hex}")}],
            "licenseConcluded": "NOASSERTION", "licenseDeclared": "Apache-2.0",
            "copyrightText": "NOASSERTION"}],
        "files": files, "relationships": rel,
    }))
    .unwrap()
}

/// A SLSA v1 provenance Statement for `digest`, in a DSSE envelope signed by openssl with the
/// test's Ed25519 key (`prov.key`).
fn provenance(tools: &Tools, work: &Work, digest: &str, layers: &[String]) -> Vec<u8> {
    let deps: Vec<Value> = layers
        .iter()
        .map(|l| json!({"digest": {"sha256": l.trim_start_matches("sha256:")}}))
        .collect();
    let statement = serde_json::to_vec(&json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "Tiny LLM", "digest": {"sha256": digest.trim_start_matches("sha256:")}}],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {
            "buildDefinition": {"buildType": "https://test-only.invalid/build/v1",
                "externalParameters": {}, "resolvedDependencies": deps},
            "runDetails": {"builder": {"id": "https://test-only.invalid/builder"},
                "metadata": {"invocationId": "trust-real-tools"}}
        }
    }))
    .unwrap();
    let ptype = "application/vnd.in-toto+json";
    let mut pae = format!("DSSEv1 {} {ptype} {} ", ptype.len(), statement.len()).into_bytes();
    pae.extend_from_slice(&statement);
    let pae_file = work.write("pae.bin", &pae);
    let sig = work.ok(
        &tools.openssl,
        &["pkeyutl", "-sign", "-rawin", "-inkey", "prov.key", "-in"]
            .into_iter()
            .chain([pae_file.to_str().unwrap()])
            .collect::<Vec<_>>(),
    );
    let b64 = base64::engine::general_purpose::STANDARD;
    serde_json::to_vec(
        &json!({"payloadType": ptype, "payload": b64.encode(&statement),
        "signatures": [{"keyid": "", "sig": b64.encode(&sig)}]}),
    )
    .unwrap()
}

/// Test-only keys made here: cosign's key pair (`cosign.key`/`cosign.pub`), a second cosign
/// public key (`other/cosign.pub`), the provenance key (`prov.key`/`prov.pub`), and notation's
/// test CA `trust.example` plus an untrusted one (`other.example`).
fn keys(tools: &Tools, work: &Work) {
    work.ok(&tools.cosign, &["generate-key-pair"]);
    std::fs::create_dir_all(work.path("other")).unwrap();
    work.ok(
        &tools.cosign,
        &["generate-key-pair", "--output-key-prefix", "other/cosign"],
    );
    work.ok(
        &tools.openssl,
        &["genpkey", "-algorithm", "ed25519", "-out", "prov.key"],
    );
    work.ok(
        &tools.openssl,
        &["pkey", "-in", "prov.key", "-pubout", "-out", "prov.pub"],
    );
    work.ok(
        &tools.notation,
        &["cert", "generate-test", "--default", "trust.example"],
    );
    work.ok(&tools.notation, &["cert", "generate-test", "other.example"]);
}

fn trust_store(work: &Work, name: &str) -> String {
    let p = work.path(&format!("xdg/notation/truststore/x509/ca/{name}"));
    assert!(p.is_dir(), "notation wrote no trust store {}", p.display());
    p.to_str().unwrap().to_string()
}

/// How the subject gets signed.
#[derive(Clone, Copy, PartialEq)]
enum Signer {
    Cosign,
    /// notation with its default (`--force-referrers-tag=true`) or the referrers API.
    Notation {
        referrers_api: bool,
    },
}

/// Push the subject to `repo`, sign it, attach SBOM and provenance; the digest reference.
fn publish(tools: &Tools, work: &Work, reg: &Registry, repo: &str, signer: Signer) -> String {
    let framework = if signer == Signer::Cosign {
        "sigstore"
    } else {
        "notation"
    };
    let (layout, digest, layers) = subject(
        work,
        framework,
        &format!("{}-layout", repo.replace('/', "_")),
    );
    let target = format!("{}/{repo}", reg.host);
    let by_digest = format!("{target}@{digest}");
    work.ok(
        &tools.oras,
        &[
            "cp",
            "--from-oci-layout",
            &format!("{}:v1", layout.display()),
            "--to-plain-http",
            &format!("{target}:v1"),
        ],
    );
    match signer {
        Signer::Cosign => {
            work.ok(
                &tools.cosign,
                &[
                    "sign",
                    "--key",
                    "cosign.key",
                    "--tlog-upload=false",
                    "--use-signing-config=false",
                    "--allow-http-registry",
                    "-y",
                    &by_digest,
                ],
            );
        }
        Signer::Notation { referrers_api } => {
            work.ok(
                &tools.notation,
                &[
                    "sign",
                    "--insecure-registry",
                    &format!("--force-referrers-tag={}", !referrers_api),
                    &by_digest,
                ],
            );
        }
    }
    let sbom = work.write(
        &format!("{}.spdx.json", repo.replace('/', "_")),
        &spdx(&digest, &layers),
    );
    let prov = provenance(tools, work, &digest, &layers);
    let prov = work.write(
        &format!("{}.intoto.dsse.json", repo.replace('/', "_")),
        &prov,
    );
    for (file, artifact_type, media_type) in [
        (&sbom, "application/spdx+json", "application/spdx+json"),
        (
            &prov,
            "application/vnd.in-toto+json",
            "application/vnd.dsse.envelope.v1+json",
        ),
    ] {
        // Relative file names: oras attach refuses absolute paths without --disable-path-validation.
        let name = file.file_name().unwrap().to_str().unwrap();
        work.ok(
            &tools.oras,
            &[
                "attach",
                "--plain-http",
                "--artifact-type",
                artifact_type,
                &by_digest,
                &format!("{name}:{media_type}"),
            ],
        );
    }
    by_digest
}

/// `ai-interop check <target> --profile trusted <trust>`: exit code and failing requirements.
fn check(target: &str, trust: &[&str]) -> (Option<i32>, Vec<String>, String) {
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("config.json"), "{}").unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ai-interop"));
    cmd.args(["check", target, "--profile", "trusted", "--format", "json"])
        .args(trust)
        .current_dir(root())
        .env_remove("CI")
        .env(
            "AI_INTEROP_REGISTRY_DOCKER_CONFIG",
            empty.path().join("config.json"),
        )
        .env("AI_INTEROP_REGISTRY_USE_PROXY", "false");
    let out = cmd.output().expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON report for {target} ({e}):\n{stderr}"));
    let failed = v["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail" || r["status"] == "error")
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let findings = v["tests"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|t| t["findings"].as_array().into_iter().flatten())
        .map(|f| format!("{} {}", f["requirement"], f["message"]))
        .collect::<Vec<_>>()
        .join("\n");
    (out.status.code(), failed, format!("{stderr}{findings}"))
}

#[track_caller]
fn assert_accepted(target: &str, trust: &[&str]) {
    let (code, failed, why) = check(target, trust);
    assert!(
        failed.is_empty() && code == Some(0),
        "{target} refused (exit {code:?}): {failed:?}\n{why}"
    );
}

#[track_caller]
fn assert_refused(target: &str, trust: &[&str], expected: &[&str], what: &str) {
    let (code, failed, why) = check(target, trust);
    assert_eq!(code, Some(1), "{what}: {target}: {failed:?}\n{why}");
    assert_eq!(failed, expected, "{what}: {target}\n{why}");
}

/// The referrers of `by_digest` as `oras discover` reports them: (artifactType, digest).
fn discover(tools: &Tools, work: &Work, by_digest: &str) -> Vec<(String, String)> {
    let out = work.ok(
        &tools.oras,
        &["discover", "--plain-http", "--format", "json", by_digest],
    );
    let v: Value = serde_json::from_slice(&out).unwrap();
    v["referrers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r["artifactType"].as_str().unwrap_or_default().to_string(),
                r["digest"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The registries of this run: olareg always, Distribution 2.8.2 when provided.
fn registries(tools: &Tools) -> Vec<Registry> {
    let mut r = vec![olareg(tools)];
    r.extend(distribution());
    r
}

/// A repository name no other test (or earlier run against a shared registry) uses.
fn unique(prefix: &str) -> String {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    format!("trust-real/{prefix}-{}-{t}-{n}", std::process::id())
}

#[test]
fn cosign_bundle_referrers_are_accepted_from_each_registry_and_its_copies() {
    let Some(tools) = tools() else { return };
    let work = Work::new();
    keys(&tools, &work);
    let trust = ["--key", "cosign.pub", "--key", "prov.pub"];
    let trust: Vec<String> = trust
        .iter()
        .map(|a| {
            if a.ends_with(".pub") {
                work.path(a).to_str().unwrap().to_string()
            } else {
                a.to_string()
            }
        })
        .collect();
    let trust: Vec<&str> = trust.iter().map(String::as_str).collect();
    for reg in registries(&tools) {
        let repo = unique("cosign");
        let reference = publish(&tools, &work, &reg, &repo, Signer::Cosign);
        let kinds: Vec<String> = discover(&tools, &work, &reference)
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        assert!(
            kinds.iter().any(|t| t == BUNDLE_TYPE),
            "{}: {kinds:?}",
            reg.name
        );
        assert_accepted(&reference, &trust);

        // Another key: the bundle is refused at the signature, nothing else.
        let other = work.path("other/cosign.pub");
        let wrong = ["--key", other.to_str().unwrap(), "--key", trust[3]];
        assert_refused(&reference, &wrong, &["SIG-004"], "a key that did not sign");

        // Copied out with its referrers, then checked offline.
        let cp = work.path(&format!("{}-cp", repo.replace('/', "_")));
        work.ok(
            &tools.oras,
            &[
                "cp",
                "-r",
                "--from-plain-http",
                &reference,
                "--to-oci-layout",
                &format!("{}:v1", cp.display()),
            ],
        );
        let digest = reference.rsplit_once('@').unwrap().1;
        let mut offline = trust.clone();
        offline.push("--offline");
        assert_accepted(&format!("oci:{}@{digest}", cp.display()), &offline);

        let bk = work.path(&format!("{}-backup", repo.replace('/', "_")));
        let tag_ref = reference.replace(&format!("@{digest}"), ":v1");
        work.ok(
            &tools.oras,
            &[
                "backup",
                "--plain-http",
                "--include-referrers",
                "--output",
                bk.to_str().unwrap(),
                &tag_ref,
            ],
        );
        assert_accepted(&format!("oci:{}@{digest}", bk.display()), &offline);
    }
}
