//! The images of `deploy/` and the workload of `deploy/kubernetes/workload/model-server.yaml`,
//! run for real with podman against the loopback registry of `.ci/registry.sh`, with the real
//! all-MiniLM-L6-v2 model. `.ci/podman.sh` installs podman, builds both images from their
//! Containerfiles (offline) and fetches the model; without them these tests print `skipped: …`,
//! unless `CI=true`, where they fail.
//!
//! `podman kube play` (4.3.1) is not Kubernetes. The file in `deploy/` stays correct for
//! Kubernetes; the harness changes only this, each for a known gap of podman:
//! - the image names `registry.example/ai-interop/…` become the images `.ci/podman.sh` built
//!   (`AI_INTEROP_TEST_IMAGE`, `AI_INTEROP_TEST_EMBED_IMAGE`), and the artifact reference
//!   names the loopback registry;
//! - `--network host`: the registry listens on 127.0.0.1 only, and `hostNetwork: true` in the
//!   file is refused by kube play. With it, kube play refuses port mappings, so `ports` go, the
//!   probe names its port by number, and the server's `PORT` is a free port of this machine;
//! - the `registry-config` Secret volume and the variable naming it go: a secret volume without
//!   `optional` panics kube play, and secret data is mounted still base64-encoded (the loopback
//!   registry needs no configuration);
//! - `restartPolicy: Never`: under `Always`, 4.3.1 restarts the init container after it exits
//!   and kube play then fails removing it.
//!
//! And one change that is not a podman gap: the ConfigMap of `trust-policy.yaml` (its policy
//! kept as it is) gets the test-only public keys made at test time in place of its
//! placeholders, and is played in the same file as the Deployment (kube play 4.3.1 mounts a
//! `configMap` volume from a ConfigMap given there, as a podman volume of the ConfigMap's name).
//! The artifacts are signed with cosign v3 (key-based, `--tlog-upload=false`) and given an SBOM
//! and a provenance with `oras attach` (`tests/it/support/signing.rs`, shared with
//! `tests/it/trust_real_tools.rs`), so that the init container's `--profile trusted` accepts them.
//!
//! Kubernetes re-runs an init container over the surviving emptyDir when a pod sandbox is
//! recreated; podman removes its init containers once run, so the second run is the init
//! container's own image, user, arguments and volume, started again with `podman run`.

use crate::support::signing::{Work, attach_evidence, cosign_sign, find_tool, signing_keys};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What the tests need from `.ci/registry.sh` and `.ci/podman.sh`, or `None` after printing why
/// they are skipped (a failure under `CI=true`).
struct Env {
    registry: String,
    image: String,
    embed_image: String,
    model: PathBuf,
    cosign: PathBuf,
    oras: PathBuf,
    openssl: PathBuf,
}

fn env() -> Option<Env> {
    let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
    let podman = Command::new("podman")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let missing: Vec<&str> = [
        "AI_INTEROP_TEST_REGISTRY",
        "AI_INTEROP_TEST_IMAGE",
        "AI_INTEROP_TEST_EMBED_IMAGE",
        "AI_INTEROP_TEST_MINILM",
    ]
    .into_iter()
    .filter(|n| var(n).is_none())
    .chain((!podman).then_some("podman"))
    .chain(
        ["cosign", "oras", "openssl"]
            .into_iter()
            .filter(|t| find_tool(t).is_none()),
    )
    .collect();
    if !missing.is_empty() {
        let why = format!(
            "{} missing: run `source .ci/registry.sh && registry_start_all` and \
             `source .ci/podman.sh && podman_install && podman_images && model_fetch`; \
             cosign and oras in AI_INTEROP_TOOLS_BIN (`.ci/tools.sh`)",
            missing.join(", ")
        );
        if var("CI").as_deref() == Some("true") {
            panic!("CI=true but {why}");
        }
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "skipped: {why}");
        return None;
    }
    Some(Env {
        registry: var("AI_INTEROP_TEST_REGISTRY")?
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string(),
        image: var("AI_INTEROP_TEST_IMAGE")?,
        embed_image: var("AI_INTEROP_TEST_EMBED_IMAGE")?,
        model: PathBuf::from(var("AI_INTEROP_TEST_MINILM")?),
        cosign: find_tool("cosign")?,
        oras: find_tool("oras")?,
        openssl: find_tool("openssl")?,
    })
}

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"))
}

#[track_caller]
fn ok(program: &str, args: &[&str]) -> String {
    let out = run(program, args);
    assert!(
        out.status.success(),
        "{program} {args:?}: exit {:?}\n{}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn ai_interop() -> &'static str {
    env!("CARGO_BIN_EXE_ai-interop")
}

/// Item 3 of the flow: the image built from `deploy/Containerfile` runs, with no shell and no
/// CA store, and gates an artifact from the loopback registry.
#[test]
fn the_image_runs_and_verifies() {
    let Some(env) = env() else { return };
    let version = ok("podman", &["run", "--rm", &env.image, "--version"]);
    assert_eq!(
        version.trim(),
        format!("ai-interop {}", env!("CARGO_PKG_VERSION"))
    );
    let reference = format!("{}/podman/image-verify:v1", env.registry);
    ok(
        ai_interop(),
        &[
            "push",
            "oci:fixtures/v1.0/model/pass-model-raw:v1",
            &reference,
        ],
    );
    let verify = |reference: &str| {
        run(
            "podman",
            &[
                "run",
                "--rm",
                "--network",
                "host",
                "--read-only",
                &env.image,
                "verify",
                reference,
                "--require-lifecycle",
                "validated,product-ready",
            ],
        )
    };
    let out = verify(&reference);
    assert!(out.status.success(), "{out:?}");
    // The gate's one-line verdict is on stdout.
    assert!(String::from_utf8_lossy(&out.stdout).contains("conformant (core)"));
    // And a refusal is a refusal inside the image too (exit 1, not 0 and not 3).
    let refused = format!("{}/podman/image-verify-refused:v1", env.registry);
    ok(
        ai_interop(),
        &[
            "push",
            "oci:fixtures/v1.0/model/ann-003-lifecycle-status-missing:v1",
            &refused,
        ],
    );
    assert_eq!(verify(&refused).status.code(), Some(1));
}

/// The ConfigMap of `deploy/kubernetes/workload/trust-policy.yaml` with the test-only public
/// keys of `work` (`cosign.pub`, `prov.pub`) in place of its placeholders.
fn trust_for_podman(work: &Work) -> Value {
    let text = std::fs::read_to_string(root().join("deploy/kubernetes/workload/trust-policy.yaml"))
        .unwrap();
    let mut d: Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(d["kind"], "ConfigMap");
    assert_eq!(d["metadata"]["name"], TRUST_VOLUME);
    for (name, made) in [("cosign.pub", "cosign.pub"), ("provenance.pub", "prov.pub")] {
        assert!(d["data"][name].as_str().unwrap().contains("REPLACE-WITH"));
        d["data"][name] = json!(std::fs::read_to_string(work.path(made)).unwrap());
    }
    d
}

/// The files of the ConfigMap `trust`, written into `dir` (the host's copy of the policy).
fn write_trust(trust: &Value, dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    for (name, text) in trust["data"].as_object().unwrap() {
        std::fs::write(dir.join(name), text.as_str().unwrap()).unwrap();
    }
    dir.join("policy.json")
}

/// The workload, rewritten only as the module comment says, for `podman kube play`.
fn pod_for_podman(env: &Env, artifact: &str, port: u16) -> Value {
    let text = std::fs::read_to_string(root().join("deploy/kubernetes/workload/model-server.yaml"))
        .unwrap();
    let mut d: Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(d["kind"], "Deployment");
    let pod = &mut d["spec"]["template"]["spec"];
    pod["restartPolicy"] = json!("Never");
    pod["volumes"]
        .as_array_mut()
        .unwrap()
        .retain(|v| v.get("secret").is_none());
    let init = &mut pod["initContainers"][0];
    assert_eq!(init["args"][0], "unpack");
    let image = |c: &mut Value, to: &str| {
        assert!(
            c["image"]
                .as_str()
                .unwrap()
                .starts_with("registry.example/")
        );
        c["image"] = json!(to);
    };
    image(init, &env.image);
    let source = init["args"][1].as_str().unwrap().to_string();
    assert!(source.starts_with("registry.example/models/"), "{source}");
    init["args"][1] = json!(artifact);
    init.as_object_mut().unwrap().remove("env");
    let no_secret_mount = |c: &mut Value| {
        if let Some(m) = c["volumeMounts"].as_array_mut() {
            m.retain(|m| m["name"] != "registry-config");
        }
    };
    no_secret_mount(init);
    let serve = &mut pod["containers"][0];
    image(serve, &env.embed_image);
    no_secret_mount(serve);
    serve.as_object_mut().unwrap().remove("ports");
    serve["readinessProbe"]["httpGet"]["port"] = json!(port);
    for e in serve["env"].as_array_mut().unwrap() {
        if e["name"] == "PORT" {
            e["value"] = json!(port.to_string());
        }
    }
    d
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Removes the pod and its emptyDir volume however the test ends.
struct Played {
    file: PathBuf,
}

impl Drop for Played {
    fn drop(&mut self) {
        let _ = run("podman", &["kube", "down", self.file.to_str().unwrap()]);
        let _ = run("podman", &["volume", "rm", "-f", VOLUME]);
        let _ = run("podman", &["volume", "rm", "-f", TRUST_VOLUME]);
    }
}

/// The emptyDir of the workload, as podman names it.
const VOLUME: &str = "model";
/// The ConfigMap of the trust policy, and the podman volume kube play makes of it.
const TRUST_VOLUME: &str = "ai-interop-trust";

/// `podman kube play` of the ConfigMap `trust` and the Deployment `pod`, in one file.
fn play(work: &Path, name: &str, trust: &Value, pod: &Value) -> (Played, Output) {
    let file = work.join(name);
    let docs: Vec<String> = [trust, pod]
        .iter()
        .map(|d| serde_json::to_string_pretty(d).unwrap())
        .collect();
    std::fs::write(&file, docs.join("\n---\n")).unwrap();
    let _ = run("podman", &["volume", "rm", "-f", VOLUME]);
    let _ = run("podman", &["volume", "rm", "-f", TRUST_VOLUME]);
    let played = Played { file: file.clone() };
    let out = run(
        "podman",
        &["kube", "play", "--network", "host", file.to_str().unwrap()],
    );
    (played, out)
}

/// The host directory behind the emptyDir volume.
fn volume_dir() -> PathBuf {
    PathBuf::from(
        ok(
            "podman",
            &["volume", "inspect", VOLUME, "--format", "{{.Mountpoint}}"],
        )
        .trim(),
    )
}

fn http(method: &str, url: &str, body: Option<&str>) -> Option<String> {
    let mut args = vec!["-sf", "--max-time", "120", "-X", method, url];
    if let Some(b) = body {
        args.extend(["-H", "Content-Type: application/json", "--data", b]);
    }
    let out = Command::new("curl").args(&args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let n = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    dot / (n(a) * n(b))
}

/// What the init container that kube play names in its failure said.
fn init_log(play: &Output) -> String {
    let err = String::from_utf8_lossy(&play.stderr);
    let Some(id) = err
        .split("init container ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
    else {
        return String::new();
    };
    let out = run("podman", &["logs", id]);
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The manifest digest and layer digests of `tag` in the OCI layout `layout`.
fn manifest_of(layout: &Path, tag: &str) -> (String, Vec<String>) {
    let read =
        |p: PathBuf| -> Value { serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap() };
    let index = read(layout.join("index.json"));
    let digest = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["annotations"]["org.opencontainers.image.ref.name"] == tag)
        .unwrap()["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let manifest = read(layout.join("blobs/sha256").join(&digest[7..]));
    let layers = manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["digest"].as_str().unwrap().to_string())
        .collect();
    (digest, layers)
}

/// Items 4 and 5: the real model packed, pushed, signed (with an SBOM and a provenance),
/// verified under the `trusted` profile and unpacked by the init container of the real
/// manifest; the server answers with real embeddings; a second init run writes nothing; a
/// refused artifact (unsigned, or not `validated`) keeps the server from starting and leaves
/// the emptyDir empty.
#[test]
fn kube_play_serves_the_real_model() {
    let Some(env) = env() else { return };
    let work = tempfile::tempdir().unwrap();
    let keys = Work::new();
    signing_keys(&env.cosign, &env.openssl, &keys);
    let trust = trust_for_podman(&keys);
    let policy = write_trust(&trust, &work.path().join("trust"));
    let metadata = root().join("docs/examples/all-minilm-l6-v2.metadata.json");
    let layout = work.path().join("minilm");
    let model = env.model.to_str().unwrap();
    // A repository of this run: a deterministic pack gives the same digest every run, and a
    // signature an earlier run left with a key of its own would not verify (SIG-004).
    let run_id = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
    );
    let repo = format!("{}/podman/{run_id}/all-minilm-l6-v2", env.registry);
    for (tag, status) in [("1.0.0", "validated"), ("1.1.0-rc1", "experimental")] {
        let target = format!("oci:{}:{tag}", layout.display());
        ok(
            ai_interop(),
            &[
                "pack",
                model,
                &target,
                "--metadata",
                metadata.to_str().unwrap(),
                "--lifecycle-status",
                status,
                // What the `trusted` profile asks the manifest to declare (ANN-010/020/021).
                "--annotation",
                "org.cncf.ai.security.signing.framework=sigstore",
                "--annotation",
                "org.cncf.ai.security.sbom.format=spdx",
                "--annotation",
                "org.cncf.ai.security.provenance.type=slsa-v1.0",
            ],
        );
        ok(ai_interop(), &["push", &target, &format!("{repo}:{tag}")]);
        // Both signed, so that the experimental one is refused for its status alone.
        let signing = Instant::now();
        let (digest, layers) = manifest_of(&layout, tag);
        let by_digest = format!("{repo}@{digest}");
        cosign_sign(&env.cosign, &keys, &by_digest, true);
        attach_evidence(
            &env.oras,
            &env.openssl,
            &keys,
            &by_digest,
            "all-MiniLM-L6-v2",
            &digest,
            &layers,
        );
        eprintln!(
            "{tag}: cosign sign, oras attach SBOM and provenance: {:.1} s",
            signing.elapsed().as_secs_f64()
        );
    }
    // The same manifest, byte for byte, in a repository where nothing refers to it: referrers
    // are found per repository, so this copy has no signature, SBOM or provenance.
    let unsigned = format!("{repo}-unsigned:1.0.0");
    ok(
        ai_interop(),
        &[
            "push",
            &format!("oci:{}:1.0.0", layout.display()),
            &unsigned,
        ],
    );
    let gate = |reference: &str| {
        run(
            ai_interop(),
            &[
                "verify",
                reference,
                "--profile",
                "trusted",
                "--policy",
                policy.to_str().unwrap(),
                "--require-lifecycle",
                "validated,product-ready",
            ],
        )
    };
    let host = gate(&format!("{repo}:1.0.0"));
    assert!(host.status.success(), "the host's verify: {host:?}");
    let host = gate(&unsigned);
    assert_eq!(host.status.code(), Some(1), "the host's verify: {host:?}");

    // Refused: the init container exits 1, the server never starts, the emptyDir stays empty.
    let port = free_port();
    for (what, artifact, why) in [
        (
            "experimental",
            format!("{repo}:1.1.0-rc1"),
            "org.cncf.ai.lifecycle.status is experimental",
        ),
        // EVD-005: the manifest names sigstore, and no Sigstore bundle refers to it.
        ("unsigned", unsigned.clone(), "not conformant (trusted)"),
    ] {
        let pod = pod_for_podman(&env, &artifact, port);
        let (_played, out) = play(work.path(), &format!("{what}.json"), &trust, &pod);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "kube play of the {what} artifact");
        assert!(
            err.contains("init container") && err.contains("code 1"),
            "{what}: {err}"
        );
        let said = init_log(&out);
        assert!(
            said.contains(why) && said.contains("unpack refused; nothing written"),
            "{what}: the init container said {said}"
        );
        if what == "unsigned" {
            assert!(said.contains("EVD-005"), "{said}");
        }
        let states = ok("podman", &["ps", "-a", "--format", "{{.Names}} {{.State}}"]);
        let serve = states
            .lines()
            .find(|l| l.contains("-serve "))
            .unwrap_or_else(|| panic!("{states}"));
        assert!(
            serve.to_lowercase().ends_with(" created"),
            "{what}: never started: {serve}"
        );
        let left: Vec<_> = std::fs::read_dir(volume_dir()).unwrap().collect();
        assert!(left.is_empty(), "{what}: the emptyDir holds {left:?}");
    }

    // Accepted: unpacked by the init container, served, answered.
    let pod = pod_for_podman(&env, &format!("{repo}:1.0.0"), port);
    let started = Instant::now();
    let (_played, out) = play(work.path(), "pod.json", &trust, &pod);
    assert!(out.status.success(), "{out:?}\n{}", init_log(&out));
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(180);
    while http("GET", &format!("{base}/healthz"), None).is_none() {
        assert!(Instant::now() < deadline, "the server never became ready");
        std::thread::sleep(Duration::from_millis(250));
    }
    let sentences = [
        "A man is eating food.",
        "A man is eating a piece of bread.",
        "The new movie is awesome.",
    ];
    let answer = http(
        "POST",
        &format!("{base}/v1/embeddings"),
        Some(&json!({ "input": sentences }).to_string()),
    )
    .expect("an answer");
    eprintln!(
        "kube play → first embedding answer: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let answer: Value = serde_json::from_str(&answer).unwrap();
    let vectors: Vec<Vec<f64>> = answer["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            d["embedding"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(vectors.len(), 3);
    assert!(vectors.iter().all(|v| v.len() == 384), "dimension 384");
    let (food, bread, movie) = (&vectors[0], &vectors[1], &vectors[2]);
    let same = cosine(food, bread);
    assert!(
        same > 0.5 && same > cosine(food, movie) + 0.3 && same > cosine(bread, movie) + 0.3,
        "eating food ~ eating bread ({same:.3}) vs the movie ({:.3}, {:.3})",
        cosine(food, movie),
        cosine(bread, movie)
    );

    // The init container again, over the surviving emptyDir: verified, nothing rewritten.
    let weights = volume_dir().join("current/model.safetensors");
    let inode = || {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(&weights).unwrap().ino()
    };
    let before = inode();
    let init = &pod["spec"]["template"]["spec"]["initContainers"][0];
    let mut again = vec![
        "run".to_string(),
        "--rm".into(),
        "--network".into(),
        "host".into(),
        "--read-only".into(),
        "--user".into(),
        "65532:65532".into(),
        "-v".into(),
        format!("{VOLUME}:/models"),
        "-v".into(),
        format!("{TRUST_VOLUME}:/etc/ai-interop/trust:ro"),
        env.image.clone(),
    ];
    again.extend(
        init["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string()),
    );
    let again: Vec<&str> = again.iter().map(String::as_str).collect();
    let second = ok("podman", &again);
    assert!(second.contains("nothing written"), "{second}");
    assert_eq!(inode(), before, "the second run rewrote nothing");
}
