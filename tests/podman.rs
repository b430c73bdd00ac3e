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
//! Kubernetes re-runs an init container over the surviving emptyDir when a pod sandbox is
//! recreated; podman removes its init containers once run, so the second run is the init
//! container's own image, user, arguments and volume, started again with `podman run`.

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
    .collect();
    if !missing.is_empty() {
        let why = format!(
            "{} missing: run `source .ci/registry.sh && registry_start_all` and \
             `source .ci/podman.sh && podman_install && podman_images && model_fetch`",
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
    assert!(String::from_utf8_lossy(&out.stderr).contains("conformant (core)"));
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
    }
}

/// The emptyDir of the workload, as podman names it.
const VOLUME: &str = "model";

fn play(work: &Path, name: &str, pod: &Value) -> (Played, Output) {
    let file = work.join(name);
    std::fs::write(&file, serde_json::to_vec_pretty(pod).unwrap()).unwrap();
    let _ = run("podman", &["volume", "rm", "-f", VOLUME]);
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

/// Items 4 and 5: the real model packed, pushed, verified and unpacked by the init container
/// of the real manifest; the server answers with real embeddings; a second init run writes
/// nothing; a refused artifact keeps the server from starting and leaves the emptyDir empty.
#[test]
fn kube_play_serves_the_real_model() {
    let Some(env) = env() else { return };
    let work = tempfile::tempdir().unwrap();
    let metadata = root().join("docs/examples/all-minilm-l6-v2.metadata.json");
    let layout = work.path().join("minilm");
    let model = env.model.to_str().unwrap();
    let repo = format!("{}/podman/all-minilm-l6-v2", env.registry);
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
            ],
        );
        ok(ai_interop(), &["push", &target, &format!("{repo}:{tag}")]);
    }

    // Refused: the init container exits 1, the server never starts, the emptyDir stays empty.
    let port = free_port();
    {
        let pod = pod_for_podman(&env, &format!("{repo}:1.1.0-rc1"), port);
        let (_played, out) = play(work.path(), "refused.json", &pod);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "kube play of a refused artifact");
        assert!(
            err.contains("init container") && err.contains("code 1"),
            "{err}"
        );
        let states = ok("podman", &["ps", "-a", "--format", "{{.Names}} {{.State}}"]);
        let serve = states
            .lines()
            .find(|l| l.contains("-serve "))
            .unwrap_or_else(|| panic!("{states}"));
        assert!(
            serve.to_lowercase().ends_with(" created"),
            "never started: {serve}"
        );
        let left: Vec<_> = std::fs::read_dir(volume_dir()).unwrap().collect();
        assert!(left.is_empty(), "the emptyDir holds {left:?}");
    }

    // Accepted: unpacked by the init container, served, answered.
    let pod = pod_for_podman(&env, &format!("{repo}:1.0.0"), port);
    let started = Instant::now();
    let (_played, out) = play(work.path(), "pod.json", &pod);
    assert!(out.status.success(), "{out:?}");
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
