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

use crate::support::signing;

use crate::support::signing::{Work, cosign_sign, find_tool, sha256, signing_keys};
use base64::Engine as _;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
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

/// The unsigned fixture's artifact with `framework` as its signing framework, as a one-manifest
/// OCI layout tagged `v1`: (layout dir, manifest digest, layer digests).
fn subject(
    work: &Work,
    framework: &str,
    description: Option<&str>,
    name: &str,
) -> (PathBuf, String, Vec<String>) {
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
    if let Some(d) = description {
        m["annotations"]["org.opencontainers.image.description"] = json!(d);
    }
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

/// Test-only keys made here (`signing::signing_keys`): cosign's key pair (`cosign.key`/`cosign.pub`), a second cosign
/// public key (`other/cosign.pub`), the provenance key (`prov.key`/`prov.pub`), and notation's
/// test CA `trust.example` plus an untrusted one (`other.example`).
fn keys(tools: &Tools, work: &Work) {
    signing_keys(&tools.cosign, &tools.openssl, work);
    std::fs::create_dir_all(work.path("other")).unwrap();
    work.ok(
        &tools.cosign,
        &["generate-key-pair", "--output-key-prefix", "other/cosign"],
    );
    work.ok(
        &tools.notation,
        &["cert", "generate-test", "--default", "trust.example"],
    );
    work.ok(&tools.notation, &["cert", "generate-test", "other.example"]);
    // notation's own verifier trusts the same CA, for a second opinion.
    let policy = work.write(
        "trustpolicy.json",
        br#"{"version":"1.0","trustPolicies":[{"name":"test-only","registryScopes":["*"],"signatureVerification":{"level":"strict"},"trustStores":["ca:trust.example"],"trustedIdentities":["*"]}]}"#,
    );
    work.ok(
        &tools.notation,
        &["policy", "import", "--force", policy.to_str().unwrap()],
    );
}

/// `notation verify` of a digest reference: whether it verified, and what it said.
fn notation_verify(tools: &Tools, work: &Work, reference: &str) -> (bool, String) {
    let out = work.run(
        &tools.notation,
        &["verify", "--insecure-registry", reference],
    );
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

fn trust_store(work: &Work, name: &str) -> String {
    let p = work.path(&format!("xdg/notation/truststore/x509/ca/{name}"));
    assert!(p.is_dir(), "notation wrote no trust store {}", p.display());
    p.to_str().unwrap().to_string()
}

/// `--key` for each of `keys` and `--notary-trust-store` for `store`, paths in `work`.
fn trust(work: &Work, keys: &[&str], store: Option<&str>) -> Vec<String> {
    let mut args = Vec::new();
    for k in keys {
        args.push("--key".to_string());
        args.push(work.path(k).to_str().unwrap().to_string());
    }
    if let Some(s) = store {
        args.push("--notary-trust-store".into());
        args.push(trust_store(work, s));
    }
    args
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// How the subject gets signed.
#[derive(Clone, Copy, PartialEq)]
enum Signer {
    Cosign,
    /// cosign v3's deprecated `--new-bundle-format=false`: the legacy `<alg>-<hex>.sig` tag.
    CosignLegacy,
    /// notation with its default (`--force-referrers-tag=true`) or the referrers API.
    Notation {
        referrers_api: bool,
    },
}

/// An artifact pushed to a registry.
struct Pushed {
    /// `host:port/repo`
    target: String,
    digest: String,
    layers: Vec<String>,
}

impl Pushed {
    fn reference(&self) -> String {
        format!("{}@{}", self.target, self.digest)
    }
}

fn framework(signer: Signer) -> &'static str {
    match signer {
        Signer::Cosign | Signer::CosignLegacy => "sigstore",
        Signer::Notation { .. } => "notation",
    }
}

/// Push the unsigned subject (`description` makes it another manifest) to `repo` with `oras cp`.
fn push_subject(
    tools: &Tools,
    work: &Work,
    reg: &Registry,
    repo: &str,
    framework: &str,
    description: Option<&str>,
) -> Pushed {
    let local = format!(
        "{}-{}",
        repo.replace('/', "_"),
        description.unwrap_or("subject")
    );
    let (layout, digest, layers) = subject(work, framework, description, &local);
    let target = format!("{}/{repo}", reg.host);
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
    Pushed {
        target,
        digest,
        layers,
    }
}

fn sign(tools: &Tools, work: &Work, p: &Pushed, signer: Signer) {
    let reference = p.reference();
    match signer {
        Signer::Cosign | Signer::CosignLegacy => {
            cosign_sign(&tools.cosign, work, &reference, signer == Signer::Cosign);
        }
        Signer::Notation { referrers_api } => {
            work.ok(
                &tools.notation,
                &[
                    "sign",
                    "--insecure-registry",
                    &format!("--force-referrers-tag={}", !referrers_api),
                    &reference,
                ],
            );
        }
    }
}

/// Attach with `oras attach` an SBOM and a provenance that describe `about` (its digest and
/// layers), as referrers of `p`.
fn attach_evidence(tools: &Tools, work: &Work, p: &Pushed, about: &Pushed) {
    signing::attach_evidence(
        &tools.oras,
        &tools.openssl,
        work,
        &p.reference(),
        "Tiny LLM",
        &about.digest,
        &about.layers,
    );
}

/// Push the subject to `repo`, sign it, attach its SBOM and provenance.
fn publish(tools: &Tools, work: &Work, reg: &Registry, repo: &str, signer: Signer) -> Pushed {
    let p = push_subject(tools, work, reg, repo, framework(signer), None);
    sign(tools, work, &p, signer);
    attach_evidence(tools, work, &p, &p);
    p
}

/// Copy the referrer `referrer` of `from` to `to`, as a referrer of `to`'s subject, with its
/// first layer rewritten by `edit`: fetched, changed and pushed with `oras` (on a registry
/// without the referrers API, `oras manifest push` maintains the fallback tag).
fn copy_referrer(
    tools: &Tools,
    work: &Work,
    from: &Pushed,
    referrer: &str,
    to: &Pushed,
    edit: impl Fn(Vec<u8>) -> Vec<u8>,
) {
    let from_repo = from.target.as_str();
    let manifest = work.ok(
        &tools.oras,
        &[
            "manifest",
            "fetch",
            "--plain-http",
            &format!("{from_repo}@{referrer}"),
        ],
    );
    let mut m: Value = serde_json::from_slice(&manifest).unwrap();
    let fetch = |d: &str| {
        work.ok(
            &tools.oras,
            &[
                "blob",
                "fetch",
                "--plain-http",
                "--output",
                "-",
                &format!("{from_repo}@{d}"),
            ],
        )
    };
    let push = |bytes: &[u8]| {
        let d = sha256(bytes);
        let f = work.write(&format!("blob-{}", &d[7..]), bytes);
        work.ok(
            &tools.oras,
            &[
                "blob",
                "push",
                "--plain-http",
                &to.target,
                f.to_str().unwrap(),
            ],
        );
        d
    };
    push(&fetch(m["config"]["digest"].as_str().unwrap()));
    let layer = edit(fetch(m["layers"][0]["digest"].as_str().unwrap()));
    m["layers"][0]["digest"] = json!(push(&layer));
    m["layers"][0]["size"] = json!(layer.len());
    let subject = work.ok(
        &tools.oras,
        &["manifest", "fetch", "--plain-http", &to.reference()],
    );
    m["subject"] = json!({"mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": to.digest, "size": subject.len()});
    let f = work.write("referrer.json", &serde_json::to_vec(&m).unwrap());
    work.ok(
        &tools.oras,
        &[
            "manifest",
            "push",
            "--plain-http",
            &to.target,
            f.to_str().unwrap(),
        ],
    );
}

/// The referrer of `p` of `artifact_type`, by `oras discover`.
fn referrer_of(tools: &Tools, work: &Work, p: &Pushed, artifact_type: &str) -> String {
    let found = discover(tools, work, &p.reference());
    found
        .iter()
        .find(|(t, _)| t == artifact_type)
        .unwrap_or_else(|| {
            panic!(
                "no {artifact_type} referrer of {}: {found:?}",
                p.reference()
            )
        })
        .1
        .clone()
}

/// Flip one bit in the bytes that the base64 text at `pointer` of a JSON document encodes
/// (`url`: JWS's unpadded base64url).
fn flip_b64(doc: Vec<u8>, pointer: &str, url: bool) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(&doc).unwrap();
    let b64 = if url {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
    } else {
        base64::engine::general_purpose::STANDARD
    };
    let field = v
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer}"));
    let mut bytes = b64.decode(field.as_str().unwrap()).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    *field = json!(b64.encode(&bytes));
    serde_json::to_vec(&v).unwrap()
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
    let (code, mut failed, why) = check(target, trust);
    failed.sort();
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
    let good = trust(&work, &["cosign.pub", "prov.pub"], None);
    let good = strs(&good);
    let wrong = trust(&work, &["other/cosign.pub", "prov.pub"], None);
    for reg in registries(&tools) {
        let repo = unique("cosign");
        let p = publish(&tools, &work, &reg, &repo, Signer::Cosign);
        let reference = p.reference();
        referrer_of(&tools, &work, &p, BUNDLE_TYPE);
        assert_accepted(&reference, &good);

        // Another key: the bundle is refused at the signature, nothing else.
        assert_refused(
            &reference,
            &strs(&wrong),
            &["SIG-004"],
            "a key that did not sign",
        );

        // Copied out with its referrers, then checked offline.
        let mut offline = good.clone();
        offline.push("--offline");
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
        assert_accepted(&format!("oci:{}@{}", cp.display(), p.digest), &offline);

        let bk = work.path(&format!("{}-backup", repo.replace('/', "_")));
        work.ok(
            &tools.oras,
            &[
                "backup",
                "--plain-http",
                "--include-referrers",
                "--output",
                bk.to_str().unwrap(),
                &format!("{}:v1", p.target),
            ],
        );
        assert_accepted(&format!("oci:{}@{}", bk.display(), p.digest), &offline);
    }
}

/// Each tampered variant lives in a repository of its own beside the untouched subject, its
/// SBOM and its provenance, so that only the tampering can be what is refused.
#[test]
fn tampered_cosign_evidence_is_refused_with_the_requirement_that_broke() {
    let Some(tools) = tools() else { return };
    let work = Work::new();
    keys(&tools, &work);
    let good = trust(&work, &["cosign.pub", "prov.pub"], None);
    let good = strs(&good);
    for reg in registries(&tools) {
        let signed = publish(&tools, &work, &reg, &unique("cosign"), Signer::Cosign);
        let bundle = referrer_of(&tools, &work, &signed, BUNDLE_TYPE);
        // Another manifest, signed by the same key.
        let other = push_subject(
            &tools,
            &work,
            &reg,
            &unique("other"),
            "sigstore",
            Some("other"),
        );
        sign(&tools, &work, &other, Signer::Cosign);
        let other_bundle = referrer_of(&tools, &work, &other, BUNDLE_TYPE);

        let fresh = || {
            let p = push_subject(&tools, &work, &reg, &unique("tampered"), "sigstore", None);
            attach_evidence(&tools, &work, &p, &p);
            p
        };
        let name = reg.name;
        let edit_payload = |b: Vec<u8>| {
            let mut v: Value = serde_json::from_slice(&b).unwrap();
            let b64 = base64::engine::general_purpose::STANDARD;
            let field = v.pointer_mut("/dsseEnvelope/payload").unwrap();
            let mut st: Value =
                serde_json::from_slice(&b64.decode(field.as_str().unwrap()).unwrap()).unwrap();
            st["predicate"]["tampered"] = json!(true);
            *field = json!(b64.encode(serde_json::to_vec(&st).unwrap()));
            serde_json::to_vec(&v).unwrap()
        };

        let t = fresh();
        copy_referrer(&tools, &work, &signed, &bundle, &t, |b| {
            flip_b64(b, "/dsseEnvelope/signatures/0/sig", false)
        });
        assert_refused(
            &t.reference(),
            &good,
            &["SIG-004"],
            &format!("{name}: signature bytes changed"),
        );

        let t = fresh();
        copy_referrer(&tools, &work, &signed, &bundle, &t, edit_payload);
        assert_refused(
            &t.reference(),
            &good,
            &["SIG-004"],
            &format!("{name}: signed payload changed"),
        );

        let t = fresh();
        copy_referrer(&tools, &work, &other, &other_bundle, &t, |b| b);
        assert_refused(
            &t.reference(),
            &good,
            &["SIG-003"],
            &format!("{name}: a valid signature over another manifest's digest"),
        );

        // Signed for real, but the SBOM and the provenance describe another manifest.
        let t = push_subject(&tools, &work, &reg, &unique("elsewhere"), "sigstore", None);
        sign(&tools, &work, &t, Signer::Cosign);
        attach_evidence(&tools, &work, &t, &other);
        assert_refused(
            &t.reference(),
            &good,
            &["PRV-004", "SBM-003"],
            &format!("{name}: SBOM and provenance of another manifest"),
        );
    }
}

#[test]
fn notation_signatures_are_accepted_from_each_registry_and_tampering_is_refused() {
    let Some(tools) = tools() else { return };
    let work = Work::new();
    keys(&tools, &work);
    let good = trust(&work, &["prov.pub"], Some("trust.example"));
    let good = strs(&good);
    let untrusted = trust(&work, &["prov.pub"], Some("other.example"));
    for reg in registries(&tools) {
        let name = reg.name;
        // notation's default stores the signature under the referrers tag schema; on a
        // registry with the API, `--force-referrers-tag=false` makes it an OCI 1.1 referrer.
        let modes: &[bool] = if name == "olareg" {
            &[true]
        } else {
            &[false, true]
        };
        for &referrers_api in modes {
            let signer = Signer::Notation { referrers_api };
            let p = publish(&tools, &work, &reg, &unique("notation"), signer);
            let sig = referrer_of(&tools, &work, &p, NOTARY_TYPE);
            assert_accepted(&p.reference(), &good);
            let (verified, said) = notation_verify(&tools, &work, &p.reference());
            assert!(verified, "{name}: notation verify disagrees: {said}");

            // The same trust inputs as a policy file, and a layout copied with `oras cp -r`.
            let policy = work.write(
                "policy.json",
                &serde_json::to_vec(&json!({"keys": ["prov.pub"],
                    "notaryTrustStore": "xdg/notation/truststore/x509/ca/trust.example"}))
                .unwrap(),
            );
            let by_policy = ["--policy", policy.to_str().unwrap()];
            assert_accepted(&p.reference(), &by_policy);
            let cp = work.path(&format!("notation-{referrers_api}-{name}-cp"));
            work.ok(
                &tools.oras,
                &[
                    "cp",
                    "-r",
                    "--from-plain-http",
                    &p.reference(),
                    "--to-oci-layout",
                    &format!("{}:v1", cp.display()),
                ],
            );
            let layout = format!("oci:{}@{}", cp.display(), p.digest);
            assert_accepted(&layout, &[by_policy[0], by_policy[1], "--offline"]);
            assert_refused(
                &p.reference(),
                &strs(&untrusted),
                &["SIG-009"],
                &format!("{name}: a CA the consumer does not trust"),
            );

            let fresh = || {
                let t = push_subject(&tools, &work, &reg, &unique("tampered"), "notation", None);
                attach_evidence(&tools, &work, &t, &t);
                t
            };
            let t = fresh();
            copy_referrer(&tools, &work, &p, &sig, &t, |b| {
                flip_b64(b, "/signature", true)
            });
            assert_refused(
                &t.reference(),
                &good,
                &["SIG-004"],
                &format!("{name}: JWS signature changed"),
            );

            let other = push_subject(
                &tools,
                &work,
                &reg,
                &unique("other"),
                "notation",
                Some("other"),
            );
            sign(&tools, &work, &other, signer);
            let other_sig = referrer_of(&tools, &work, &other, NOTARY_TYPE);
            let t = fresh();
            copy_referrer(&tools, &work, &other, &other_sig, &t, |b| b);
            assert_refused(
                &t.reference(),
                &good,
                &["SIG-003"],
                &format!("{name}: a valid JWS over another manifest's digest"),
            );
        }
        if name == "olareg" {
            // notation's default pushes its signature and the referrers tag; olareg v0.1.2 then
            // lists nothing in its referrers API (`"manifests": null`), so the signature is
            // reachable by neither notation nor us: a registry defect, which must leave a
            // verdict (not an unreadable artifact) that agrees with notation's own.
            let signer = Signer::Notation {
                referrers_api: false,
            };
            let p = publish(&tools, &work, &reg, &unique("notation-tag"), signer);
            assert_refused(
                &p.reference(),
                &good,
                &["EVD-005", "SIG-001"],
                "olareg: notation's referrers-tag push, unlisted by the referrers API",
            );
            let (verified, said) = notation_verify(&tools, &work, &p.reference());
            assert!(
                !verified && said.contains("no signature is associated"),
                "{said}"
            );
        }
    }
}

/// cosign v3.1.3 still writes the legacy `.sig` tag with its deprecated
/// `--new-bundle-format=false`: the signature verifies (SIG-003/004 hold) and only SIG-012, a
/// SHOULD, asks for a referrer instead.
#[test]
fn legacy_cosign_sig_tags_verify_and_are_reported_as_legacy() {
    let Some(tools) = tools() else { return };
    let work = Work::new();
    keys(&tools, &work);
    let good = trust(&work, &["cosign.pub", "prov.pub"], None);
    let wrong = trust(&work, &["other/cosign.pub", "prov.pub"], None);
    for reg in registries(&tools) {
        let p = publish(&tools, &work, &reg, &unique("legacy"), Signer::CosignLegacy);
        let tags = work.ok(&tools.oras, &["repo", "tags", "--plain-http", &p.target]);
        let sig_tag = format!("{}.sig", p.digest.replace(':', "-"));
        assert!(
            String::from_utf8_lossy(&tags).lines().any(|t| t == sig_tag),
            "{}: cosign wrote no {sig_tag}",
            reg.name
        );
        assert!(
            discover(&tools, &work, &p.reference())
                .iter()
                .all(|(t, _)| t != BUNDLE_TYPE)
        );
        let (code, failed, why) = check(&p.reference(), &strs(&good));
        assert_eq!(failed, ["SIG-012"], "{}: {why}", reg.name);
        assert_eq!(
            code,
            Some(0),
            "{}: a SHOULD alone fails no profile: {why}",
            reg.name
        );
        assert_refused(
            &p.reference(),
            &strs(&wrong),
            &["SIG-004", "SIG-012"],
            &format!("{}: legacy signature, another key", reg.name),
        );
    }
}

/// `cosign attest` beside `cosign sign`: its bundle (an in-toto Statement v0.1 with a SLSA
/// predicate) is well formed and does not spoil the verdict; alone, it is not a signature
/// (EVD-005). On Distribution 2.8.2 cosign lists its referrers in the fallback index without
/// the manifests' annotations, so the predicate type is read from the referrer manifest itself.
#[test]
fn a_cosign_attestation_is_well_formed_but_is_not_a_signature() {
    let Some(tools) = tools() else { return };
    let work = Work::new();
    keys(&tools, &work);
    let good = trust(&work, &["cosign.pub", "prov.pub"], None);
    let good = strs(&good);
    let predicate = work.write(
        "predicate.json",
        br#"{"buildDefinition":{"buildType":"https://test-only.invalid/build/v1","externalParameters":{}},"runDetails":{"builder":{"id":"https://test-only.invalid/builder"}}}"#,
    );
    let attest = |p: &Pushed| {
        work.ok(
            &tools.cosign,
            &[
                "attest",
                "--key",
                "cosign.key",
                "--tlog-upload=false",
                "--use-signing-config=false",
                "--type",
                "slsaprovenance1",
                "--predicate",
                predicate.to_str().unwrap(),
                "--allow-http-registry",
                "-y",
                &p.reference(),
            ],
        );
    };
    for reg in registries(&tools) {
        let signed = publish(&tools, &work, &reg, &unique("attested"), Signer::Cosign);
        attest(&signed);
        let bundles = discover(&tools, &work, &signed.reference())
            .into_iter()
            .filter(|(t, _)| t == BUNDLE_TYPE)
            .count();
        assert_eq!(bundles, 2, "{}: a signature and an attestation", reg.name);
        assert_accepted(&signed.reference(), &good);

        let unsigned = push_subject(
            &tools,
            &work,
            &reg,
            &unique("attested-only"),
            "sigstore",
            None,
        );
        attach_evidence(&tools, &work, &unsigned, &unsigned);
        attest(&unsigned);
        assert_refused(
            &unsigned.reference(),
            &good,
            &["EVD-005"],
            &format!("{}: an attestation without a signature", reg.name),
        );
    }
}
