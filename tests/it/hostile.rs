//! Hostile input is normal input: thousands of corrupted manifests and layouts, each must end in
//! findings or a clear error — never a panic.

use ai_interop::document::{Document, Limits};
use ai_interop::engine::{EvalOptions, evaluate};
use ai_interop::inspect::{InspectOptions, collect};
use ai_interop::load::open::TargetRef;
use ai_interop::spec::Catalog;
use ai_interop::targets::layout::OciLayout;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn case_dir(id: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/v1.0/model")
        .join(id)
}

/// xorshift64*: a fixed-seed generator, so a failure reproduces.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn evaluate_manifest(layout: &OciLayout, bytes: Vec<u8>) {
    let artifact = collect(
        layout,
        "fuzz".into(),
        None,
        Document::from_bytes(bytes),
        &Limits::default(),
        &InspectOptions { content: true },
    );
    for profile in ["core", "regulated"] {
        let ev = evaluate(
            Catalog::embedded(),
            &artifact,
            &EvalOptions {
                profile: profile.into(),
                ..Default::default()
            },
        );
        assert!(!ev.requirements.is_empty());
    }
}

fn manifest_bytes(dir: &Path) -> Vec<u8> {
    let layout = OciLayout::open(dir, &Limits::default()).unwrap();
    let (_, doc) = layout.select(Some("v1"), &Limits::default()).unwrap();
    doc.bytes.unwrap()
}

#[test]
fn byte_level_corruption_never_panics() {
    for id in ["pass-model-raw", "pass-model-tar"] {
        let dir = case_dir(id);
        let layout = OciLayout::open(&dir, &Limits::default()).unwrap();
        let original = manifest_bytes(&dir);
        let mut rng = Rng(0x5eed ^ original.len() as u64);
        for _ in 0..1500 {
            let mut b = original.clone();
            match rng.below(4) {
                0 => {
                    let i = rng.below(b.len());
                    b[i] = rng.next() as u8;
                }
                1 => b.truncate(rng.below(b.len())),
                2 => {
                    let i = rng.below(b.len());
                    let j = rng.below(b.len());
                    b.swap(i, j);
                }
                _ => {
                    let i = rng.below(b.len());
                    b.insert(i, b"{}[]\",:0\\\xff"[rng.below(10)]);
                }
            }
            evaluate_manifest(&layout, b);
        }
    }
}

/// Replace one JSON value anywhere in the manifest with a value of another type.
fn replace_random(v: &mut Value, rng: &mut Rng, depth: usize) {
    let choices = [
        Value::Null,
        Value::Bool(true),
        Value::from(-1),
        Value::from(1.5),
        Value::from(u64::MAX),
        Value::from(""),
        Value::from("sha256:"),
        Value::from("../../etc/passwd"),
        serde_json::json!([]),
        serde_json::json!({}),
        serde_json::json!([[[[{}]]]]),
    ];
    let children: usize = match v {
        Value::Object(o) => o.len(),
        Value::Array(a) => a.len(),
        _ => 0,
    };
    if children == 0 || depth > 6 || rng.below(4) == 0 {
        *v = choices[rng.below(choices.len())].clone();
        return;
    }
    let k = rng.below(children);
    match v {
        Value::Object(o) => {
            let key = o.keys().nth(k).cloned().unwrap();
            replace_random(o.get_mut(&key).unwrap(), rng, depth + 1);
        }
        Value::Array(a) => replace_random(&mut a[k], rng, depth + 1),
        _ => {}
    }
}

#[test]
fn structural_corruption_never_panics() {
    for id in [
        "pass-model-raw",
        "pass-model-tar",
        "pass-subject",
        "pass-descriptor-data",
    ] {
        let dir = case_dir(id);
        let layout = OciLayout::open(&dir, &Limits::default()).unwrap();
        let original: Value = serde_json::from_slice(&manifest_bytes(&dir)).unwrap();
        let mut rng = Rng(0xfeed ^ id.len() as u64);
        for _ in 0..1000 {
            let mut v = original.clone();
            for _ in 0..=rng.below(3) {
                replace_random(&mut v, &mut rng, 0);
            }
            evaluate_manifest(&layout, serde_json::to_vec(&v).unwrap());
        }
    }
}

#[test]
fn broken_layouts_give_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let limits = Limits::default();
    let opts = InspectOptions { content: true };
    let target = |d: &Path| TargetRef::Layout {
        dir: d.to_path_buf(),
        selector: None,
    };
    // No index.json at all.
    let e = target(tmp.path())
        .load(&limits, &opts)
        .unwrap_err()
        .to_string();
    assert!(e.contains("index.json"), "{e}");
    // index.json that is not JSON.
    std::fs::write(tmp.path().join("index.json"), b"\xff\xfe garbage").unwrap();
    let e = target(tmp.path())
        .load(&limits, &opts)
        .unwrap_err()
        .to_string();
    assert!(e.contains("index.json"), "{e}");
    // index.json pointing at a manifest blob that is missing.
    std::fs::write(
        tmp.path().join("index.json"),
        br#"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":0}]}"#,
    )
    .unwrap();
    let e = target(tmp.path())
        .load(&limits, &opts)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("not present") || e.contains("cannot be read"),
        "{e}"
    );
}

// ------------------------------------------------------------------ image indexes under a tag

const INDEX_TYPE: &str = "application/vnd.oci.image.index.v1+json";
const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";

/// A copy of a fixture layout in a temporary directory.
fn copy_case(id: &str) -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            let target = to.join(e.file_name());
            if e.file_type().unwrap().is_dir() {
                copy(&e.path(), &target);
            } else {
                std::fs::copy(e.path(), &target).unwrap();
            }
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    copy(&case_dir(id), tmp.path());
    tmp
}

fn put_blob(dir: &Path, bytes: &[u8]) -> Value {
    let d = ai_interop::digest::Digest::sha256_of(bytes);
    std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
    std::fs::write(dir.join("blobs/sha256").join(d.encoded()), bytes).unwrap();
    serde_json::json!({"digest": d.to_string(), "size": bytes.len()})
}

fn put_index(dir: &Path, manifests: Vec<Value>) -> Value {
    let index =
        serde_json::json!({"schemaVersion": 2, "mediaType": INDEX_TYPE, "manifests": manifests});
    let mut d = put_blob(dir, &serde_json::to_vec(&index).unwrap());
    d["mediaType"] = INDEX_TYPE.into();
    d
}

/// Tag `descriptor` as `v1` in the layout's index.json.
fn tag(dir: &Path, mut descriptor: Value) {
    descriptor["annotations"] = serde_json::json!({"org.opencontainers.image.ref.name": "v1"});
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [descriptor]});
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
}

/// The model manifest's descriptor of a fixture layout, as its index.json states it.
fn model_descriptor(dir: &Path) -> Value {
    let index: Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let mut d = index["manifests"][0].clone();
    d.as_object_mut().unwrap().remove("annotations");
    d
}

fn check_json(dir: &Path, extra: &[&str]) -> (Option<i32>, Value, String) {
    let target = format!("oci:{}:v1", dir.display());
    let mut args = vec!["check", target.as_str(), "--format", "json"];
    args.extend_from_slice(extra);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ai-interop"))
        .args(&args)
        .env_remove("CI")
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code(),
        v,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn not_passing(v: &Value) -> Vec<(String, String)> {
    v["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !matches!(r["status"].as_str(), Some("pass" | "not-applicable")))
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn hostile_indexes_end_in_findings_within_their_bounds() {
    let tmp = copy_case("pass-model-minimal");
    let dir = tmp.path();
    let model = model_descriptor(dir);

    // 300 descriptors: the walk stops at 256 (IDX-004) and still judges what it reached.
    let wide = put_index(dir, vec![model.clone(); 300]);
    tag(dir, wide);
    let (code, v, err) = check_json(dir, &[]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(not_passing(&v), [("IDX-004".into(), "fail".into())]);
    assert_eq!(v["target"]["manifests"].as_array().unwrap().len(), 256);

    // A chain of 50 indexes: nothing below level 4 is read.
    let mut d = model.clone();
    for _ in 0..50 {
        d = put_index(dir, vec![d]);
    }
    tag(dir, d);
    let (code, v, _) = check_json(dir, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(not_passing(&v), [("IDX-004".into(), "fail".into())]);

    // An index that lists itself (stored under a digest that is not its own).
    let fake = format!("sha256:{}", "c".repeat(64));
    let selfish = serde_json::json!({"schemaVersion": 2, "mediaType": INDEX_TYPE,
        "manifests": [model.clone(), {"mediaType": INDEX_TYPE, "digest": fake, "size": 1}]});
    let bytes = serde_json::to_vec(&selfish).unwrap();
    std::fs::write(dir.join("blobs/sha256").join("c".repeat(64)), &bytes).unwrap();
    tag(
        dir,
        serde_json::json!({"mediaType": INDEX_TYPE, "digest": fake, "size": bytes.len()}),
    );
    let (code, v, _) = check_json(dir, &[]);
    assert_eq!(code, Some(1));
    let ids: Vec<String> = not_passing(&v).into_iter().map(|(id, _)| id).collect();
    assert!(ids.contains(&"IDX-003".to_string()), "{ids:?}");

    // Children of every wrong kind: a layer media type, no digest, a blob that is not JSON.
    let junk = put_blob(dir, b"\x00\x01 not json");
    let mut not_json = junk.clone();
    not_json["mediaType"] = MANIFEST_TYPE.into();
    let mut layer = junk;
    layer["mediaType"] = "application/vnd.oci.image.layer.v1.tar".into();
    let odd = put_index(
        dir,
        vec![
            model.clone(),
            layer,
            serde_json::json!({"mediaType": MANIFEST_TYPE, "size": 3}),
            not_json,
        ],
    );
    tag(dir, odd);
    let (code, v, _) = check_json(dir, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        not_passing(&v),
        [
            ("IDX-001".to_string(), "fail".to_string()),
            ("IDX-002".to_string(), "fail".to_string())
        ]
    );
    assert_eq!(v["target"]["manifests"].as_array().unwrap().len(), 1);
}

#[test]
fn platform_and_artifact_type_choose_manifests_of_an_index() {
    let tmp = copy_case("pass-model-minimal");
    let dir = tmp.path();
    let model = model_descriptor(dir);
    let mut amd = model.clone();
    amd["platform"] = serde_json::json!({"os": "linux", "architecture": "amd64"});
    let mut arm = model.clone();
    arm["platform"] = serde_json::json!({"os": "linux", "architecture": "arm64", "variant": "v8"});
    tag(dir, put_index(dir, vec![amd, arm]));

    let (code, v, err) = check_json(dir, &[]);
    assert_eq!(code, Some(0), "{err}");
    let manifests = v["target"]["manifests"].as_array().unwrap();
    assert_eq!(manifests.len(), 2);
    assert_eq!(manifests[1]["platform"], "linux/arm64/v8");
    // Every test names the manifest it judged; child verdicts are listed per manifest.
    let digest = model["digest"].as_str().unwrap();
    let tests = v["tests"].as_array().unwrap();
    assert!(tests.iter().all(|t| t["manifest"].is_string()), "{tests:?}");
    assert!(tests.iter().any(|t| t["manifest"] == digest));
    let man3 = v["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "MAN-003")
        .unwrap();
    assert_eq!(man3["manifests"].as_array().unwrap().len(), 2);
    let errors = ai_interop::schemas::validate(ai_interop::schemas::SchemaKind::Report, &v);
    assert!(errors.is_empty(), "{errors:?}");

    let (code, v, _) = check_json(dir, &["--platform", "linux/arm64/v8"]);
    assert_eq!(code, Some(0));
    let manifests = v["target"]["manifests"].as_array().unwrap();
    assert_eq!(manifests.len(), 1);
    assert_eq!(manifests[0]["path"], "/manifests/1");

    let (code, _, _) = check_json(
        dir,
        &[
            "--artifact-type",
            "application/vnd.cncf.model.manifest.v1+json",
        ],
    );
    assert_eq!(code, Some(0));

    let (code, _, err) = check_json(dir, &["--platform", "windows/amd64"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("no manifest of the index matches") && err.contains("linux/amd64"),
        "{err}"
    );
}

// ------------------------------------------------------------------ symbolic links in a layout

#[cfg(unix)]
#[test]
fn blob_links_inside_the_layout_are_read_and_links_out_are_refused() {
    use std::os::unix::fs::symlink;
    let tmp = copy_case("pass-model-minimal");
    let dir = tmp.path();
    let manifest: Value = {
        let layout = OciLayout::open(dir, &Limits::default()).unwrap();
        layout
            .select(Some("v1"), &Limits::default())
            .unwrap()
            .1
            .json
            .unwrap()
    };
    let layer = manifest["layers"][0]["digest"].as_str().unwrap();
    let encoded = layer.strip_prefix("sha256:").unwrap();
    let blob = dir.join("blobs/sha256").join(encoded);
    let bytes = std::fs::read(&blob).unwrap();

    // A link to a file inside the layout (deduplicated storage) is read like the file.
    std::fs::create_dir_all(dir.join("store")).unwrap();
    std::fs::write(dir.join("store/weights"), &bytes).unwrap();
    std::fs::remove_file(&blob).unwrap();
    symlink("../../store/weights", &blob).unwrap();
    let (code, v, err) = check_json(dir, &[]);
    assert_eq!(code, Some(0), "{err} {v:#}");

    // A link that leaves the layout is refused with a finding under OCI-004.
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("weights"), &bytes).unwrap();
    std::fs::remove_file(&blob).unwrap();
    symlink(outside.path().join("weights"), &blob).unwrap();
    let (code, v, _) = check_json(dir, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(not_passing(&v), [("OCI-004".into(), "fail".into())]);
    let text = v.to_string();
    assert!(text.contains("outside the layout"), "{text}");

    // So is `blobs/sha256` itself as a link to a directory elsewhere.
    let (shared, dir2) = (
        tempfile::tempdir().unwrap(),
        copy_case("pass-model-minimal"),
    );
    let blobs = dir2.path().join("blobs/sha256");
    std::fs::rename(&blobs, shared.path().join("sha256")).unwrap();
    symlink(shared.path().join("sha256"), &blobs).unwrap();
    let target = TargetRef::Layout {
        dir: dir2.path().to_path_buf(),
        selector: Some("v1".into()),
    };
    let Err(e) = target.load(&Limits::default(), &InspectOptions { content: true }) else {
        panic!("the manifest itself is out of the layout");
    };
    assert!(e.to_string().contains("OCI-004"), "{e}");
    let (code, _, err) = check_json(dir2.path(), &[]);
    assert_eq!(code, Some(2), "{err}");
}

// ------------------------------------------------------------------ bounded reading of inputs

#[cfg(unix)]
#[test]
fn non_regular_inputs_are_refused_quickly_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let big = tmp.path().join("big.json");
    std::fs::write(&big, vec![b' '; (16 << 20) + 1]).unwrap();
    let pass = format!("oci:{}:v1", case_dir("pass-model-minimal").display());
    let fifo_s = fifo.display().to_string();
    let big_s = big.display().to_string();
    let keys = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/keys");
    let key = keys.join("test-only-ed25519.pem").display().to_string();
    let pubkey = keys.join("test-only-ed25519.pub.pem").display().to_string();
    let report = tmp.path().join("report.json");
    std::fs::write(&report, b"{}").unwrap();
    let report_s = report.display().to_string();
    let skill = tmp.path().join("my-skill");
    std::fs::create_dir(&skill).unwrap();
    std::fs::write(
        skill.join("SKILL.md"),
        "---\nname: my-skill\ndescription: d\n---\n",
    )
    .unwrap();
    let skill_s = skill.display().to_string();
    let layout_s = format!("oci:{}:v1", tmp.path().join("layout").display());
    let runs: Vec<(Vec<&str>, &str)> = vec![
        (vec!["validate", "manifest", "/dev/zero"], "/dev/zero"),
        (vec!["validate", "manifest", &fifo_s], "fifo"),
        (vec!["validate", "manifest", &big_s], "limit"),
        (vec!["validate", "skill", "/dev/zero"], "/dev/zero"),
        (vec!["validate", "prompt", &fifo_s], "fifo"),
        (
            vec!["check", &pass, "--expected-failures", "/dev/zero"],
            "/dev/zero",
        ),
        (vec!["check", &pass, "--expected-failures", &big_s], "limit"),
        (
            vec!["check", "127.0.0.1:9/none:v1", "--registry-config", &fifo_s],
            "fifo",
        ),
        (
            vec!["report", "sign", "--key", "/dev/zero", &report_s],
            "/dev/zero",
        ),
        (vec!["report", "sign", "--key", &key, &fifo_s], "fifo"),
        (
            vec!["report", "verify", "--key", &fifo_s, &report_s],
            "fifo",
        ),
        (
            vec!["report", "verify", "--key", &pubkey, "/dev/zero"],
            "/dev/zero",
        ),
        (
            vec![
                "report",
                "verify",
                "--key",
                &pubkey,
                "--envelope",
                &fifo_s,
                &report_s,
            ],
            "fifo",
        ),
        (
            vec!["pack", &skill_s, &layout_s, "--metadata", "/dev/zero"],
            "/dev/zero",
        ),
        (
            vec!["pack", &skill_s, &layout_s, "--metadata", &fifo_s],
            "fifo",
        ),
        (vec!["run", "packer", "--adapter", &fifo_s], "fifo"),
    ];
    for (args, needle) in runs {
        let started = std::time::Instant::now();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ai-interop"))
            .args(&args)
            .env_remove("CI")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Never wait forever: a reader that blocks is the defect under test.
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if started.elapsed() > std::time::Duration::from_secs(20) {
                child.kill().unwrap();
                panic!("{args:?} did not return");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

// ------------------------------------------------------------------ writes never follow links

/// `--out L` with `L → elsewhere`, or `--out L/new`, is refused (exit 2) and writes nothing
/// there; a link planted at a report's file name is replaced, never written through.
#[cfg(unix)]
#[test]
fn out_never_writes_through_a_symbolic_link() {
    let tmp = tempfile::tempdir().unwrap();
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let link = tmp.path().join("L");
    std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
    let pass = format!("oci:{}:v1", case_dir("pass-model-minimal").display());
    for out in [link.clone(), link.join("new")] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_ai-interop"))
            .args(["check", &pass, "--quiet", "--out"])
            .arg(&out)
            .env_remove("CI")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{}: {err}", out.display());
        assert!(err.contains("symbolic link"), "{err}");
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0, "{err}");
    }
    let real = tmp.path().join("real");
    std::fs::create_dir(&real).unwrap();
    let victim = tmp.path().join("victim");
    std::fs::write(&victim, b"keep").unwrap();
    std::os::unix::fs::symlink(&victim, real.join("report.json")).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_ai-interop"))
        .args(["check", &pass, "--quiet", "--out"])
        .arg(&real)
        .env_remove("CI")
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
    assert!(
        !std::fs::symlink_metadata(real.join("report.json"))
            .unwrap()
            .is_symlink()
    );
}

// ------------------------------------------------------------------ registry bodies

/// How the fake registry answers a GET of the layer blob. A real registry cannot be made to do
/// either, so this is a fake on loopback.
#[derive(Clone, Copy)]
enum BlobFault {
    /// A 10 GiB body for a descriptor of a few KiB.
    Oversized,
    /// The right Content-Length, then one byte and silence.
    Trickle,
}

/// A minimal read-only registry on loopback serving `pass-model-minimal` as `ns/m:v1`, the layer
/// blob answered with `fault`. Returns its address and the count of layer bytes it sent.
fn faulty_registry(fault: BlobFault) -> (String, std::sync::Arc<std::sync::atomic::AtomicU64>) {
    use std::io::{BufRead, BufReader, Write};
    use std::sync::atomic::{AtomicU64, Ordering};
    let dir = case_dir("pass-model-minimal");
    let manifest = manifest_bytes(&dir);
    let m: Value = serde_json::from_slice(&manifest).unwrap();
    let manifest_digest = ai_interop::digest::Digest::sha256_of(&manifest).to_string();
    let layer = m["layers"][0]["digest"].as_str().unwrap().to_string();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let sent = std::sync::Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (manifest, manifest_digest, layer, dir, counter) = (
                manifest.clone(),
                manifest_digest.clone(),
                layer.clone(),
                dir.clone(),
                counter.clone(),
            );
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                reader.read_line(&mut line).unwrap_or(0);
                let mut parts = line.split_whitespace();
                let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                let head = method == "HEAD";
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                        break;
                    }
                }
                let answer = |stream: &mut std::net::TcpStream,
                              ty: &str,
                              body: &[u8],
                              extra: &str| {
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Type: {ty}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
                        body.len()
                    );
                    if !head {
                        let _ = stream.write_all(body);
                    }
                };
                if path == "/v2/" {
                    answer(&mut stream, "application/json", b"{}", "");
                } else if path.starts_with("/v2/ns/m/manifests/") {
                    let extra = format!("Docker-Content-Digest: {manifest_digest}\r\n");
                    answer(&mut stream, MANIFEST_TYPE, &manifest, &extra);
                } else if let Some(d) = path.strip_prefix("/v2/ns/m/blobs/") {
                    if d == layer && !head {
                        let zeros = vec![0u8; 64 << 10];
                        let len: u64 = match fault {
                            BlobFault::Oversized => 10 << 30,
                            BlobFault::Trickle => {
                                std::fs::metadata(dir.join("blobs/sha256").join(&d[7..]))
                                    .unwrap()
                                    .len()
                            }
                        };
                        let _ = write!(
                            stream,
                            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
                        );
                        match fault {
                            BlobFault::Oversized => {
                                while stream.write_all(&zeros).is_ok() {
                                    counter.fetch_add(zeros.len() as u64, Ordering::Relaxed);
                                }
                            }
                            BlobFault::Trickle => {
                                let _ = stream.write_all(&zeros[..1]);
                                std::thread::sleep(std::time::Duration::from_secs(60));
                            }
                        }
                    } else {
                        match std::fs::read(dir.join("blobs/sha256").join(d.get(7..).unwrap_or("")))
                        {
                            Ok(b) => answer(&mut stream, "application/octet-stream", &b, ""),
                            Err(_) => {
                                let _ = write!(
                                    stream,
                                    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                                );
                            }
                        }
                    }
                } else {
                    let _ = write!(
                        stream,
                        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    );
                }
            });
        }
    });
    (addr, sent)
}

/// A blob body longer than its descriptor is read to the descriptor's size + 1 byte and no
/// further; a body that stops flowing ends in a timeout that says so.
#[test]
fn registry_bodies_stop_at_the_descriptor_size_and_time_out_clearly() {
    for fault in [BlobFault::Oversized, BlobFault::Trickle] {
        let (addr, sent) = faulty_registry(fault);
        // Long enough that only the size bound can stop the oversized body early.
        let timeout = match fault {
            BlobFault::Oversized => "20000",
            BlobFault::Trickle => "1500",
        };
        let started = std::time::Instant::now();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_ai-interop"));
        command
            .args(["check", &format!("{addr}/ns/m:v1"), "--format", "json"])
            .env_remove("CI");
        match fault {
            // The timeouts as environment variables, and as flags (which win over them).
            BlobFault::Oversized => command
                .env("AI_INTEROP_REGISTRY_REQUEST_TIMEOUT_MS", timeout)
                .env("AI_INTEROP_REGISTRY_LARGE_BLOB_TIMEOUT_MS", timeout),
            BlobFault::Trickle => command
                .env("AI_INTEROP_REGISTRY_LARGE_BLOB_TIMEOUT_MS", "600000")
                .args(["--request-timeout-ms", timeout])
                .args(["--large-blob-timeout-ms", timeout]),
        };
        let out = command.output().unwrap();
        let report = String::from_utf8_lossy(&out.stdout);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{err}"
        );
        assert_eq!(out.status.code(), Some(1), "{err}\n{report}");
        match fault {
            BlobFault::Oversized => {
                assert!(report.contains("2161"), "{report}");
                let sent = sent.load(std::sync::atomic::Ordering::Relaxed);
                // The socket buffers hold a few MiB; reading to the end would be 10 GiB.
                assert!(sent < 64 << 20, "{sent} bytes were sent\n{report}");
            }
            BlobFault::Trickle => {
                assert!(report.contains("timed out after 1500 ms"), "{report}");
                assert!(
                    !report.contains("request or response body error"),
                    "{report}"
                );
            }
        }
    }
}

// ------------------------------------------------------------------ one walker for validate and pack

/// A skill directory holding a link to `/`, a referenced file that links to `/etc/passwd`, or a
/// FIFO: `validate skill` says invalid (exit 1) exactly when `pack` refuses it.
#[cfg(unix)]
#[test]
fn validate_skill_refuses_what_pack_refuses() {
    let bin = env!("CARGO_BIN_EXE_ai-interop");
    let run = |args: &[&str]| {
        let o = std::process::Command::new(bin)
            .args(args)
            .env_remove("CI")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        (o.status.code(), text)
    };
    let make = |tmp: &Path| {
        let skill = tmp.join("my-skill");
        std::fs::create_dir_all(skill.join("scripts")).unwrap();
        std::fs::write(
            skill.join("SKILL.md"),
            "---\nname: my-skill\ndescription: Says hello.\n---\nRun [the script](scripts/run.sh).\n",
        )
        .unwrap();
        skill
    };
    type Setup = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Setup)> = vec![
        (
            "a regular skill",
            Box::new(|s: &Path| {
                std::fs::write(s.join("scripts/run.sh"), "echo hi\n").unwrap();
            }),
        ),
        (
            "a link to /",
            Box::new(|s: &Path| {
                std::fs::write(s.join("scripts/run.sh"), "echo hi\n").unwrap();
                std::os::unix::fs::symlink("/", s.join("root")).unwrap();
            }),
        ),
        (
            "a referenced file linking to /etc/passwd",
            Box::new(|s: &Path| {
                std::os::unix::fs::symlink("/etc/passwd", s.join("scripts/run.sh")).unwrap();
            }),
        ),
        (
            "a FIFO",
            Box::new(|s: &Path| {
                std::fs::write(s.join("scripts/run.sh"), "echo hi\n").unwrap();
                let made = std::process::Command::new("mkfifo")
                    .arg(s.join("scripts/pipe"))
                    .status()
                    .unwrap();
                assert!(made.success());
            }),
        ),
    ];
    for (what, setup) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let skill = make(tmp.path());
        setup(&skill);
        let skill_s = skill.display().to_string();
        let (validated, vtext) = run(&["validate", "skill", &skill_s]);
        let layout = format!("oci:{}:v1", tmp.path().join("layout").display());
        let (packed, ptext) = run(&["pack", &skill_s, &layout]);
        if what == "a regular skill" {
            assert_eq!(validated, Some(0), "{what}: {vtext}");
            assert_eq!(packed, Some(0), "{what}: {ptext}");
        } else {
            assert_eq!(validated, Some(1), "{what}: {vtext}");
            assert_ne!(packed, Some(0), "{what}: {ptext}");
            assert!(vtext.contains("LAY-00"), "{what}: {vtext}");
        }
    }
}

// ------------------------------------------------------------------ names a file system can hold

/// Each of LAY-011…014 is judged by `check` and refused by `unpack` the same way (exit 1, not a
/// harness error after check called it conformant); names at the bounds unpack.
#[test]
fn check_and_unpack_agree_on_name_bounds() {
    let cases = [
        ("lay-011-component-too-long", Some("LAY-011")),
        ("lay-012-path-too-long", Some("LAY-012")),
        ("lay-013-path-too-deep", Some("LAY-013")),
        ("lay-014-link-target-too-long", Some("LAY-014")),
        ("pass-lay-name-bounds-at-the-limits", None),
    ];
    for (case, fails) in cases {
        let (code, report, err) = check_json(&case_dir(case), &[]);
        let failing: Vec<String> = not_passing(&report).into_iter().map(|(id, _)| id).collect();
        match fails {
            Some(req) => {
                assert_eq!(code, Some(1), "{case}: {err}");
                assert_eq!(failing, [req.to_string()], "{case}");
            }
            None => assert_eq!(code, Some(0), "{case}: {failing:?} {err}"),
        }
        let work = tempfile::tempdir().unwrap();
        let dest = work.path().join("model");
        let target = format!("oci:{}:v1", case_dir(case).display());
        // Past the gate, the extractor's own guard: unpack with the verdict ignored is not
        // available, so the library call stands in for a runtime without the checker.
        let limits = Limits::default();
        let layout = OciLayout::open(case_dir(case), &limits).unwrap();
        let (_, manifest) = layout.select(Some("v1"), &limits).unwrap();
        let got = ai_interop::reference::unpack(
            &layout,
            &manifest.json.unwrap(),
            &dest,
            &ai_interop::reference::UnpackOptions::default(),
        );
        match fails {
            Some(req) => {
                let e = got.unwrap_err();
                assert!(
                    matches!(e, ai_interop::reference::UnpackError::Refused(_)),
                    "{case}: {e}"
                );
                assert!(e.to_string().contains(req), "{case}: {e}");
                assert!(!dest.exists());
            }
            None => {
                got.unwrap_or_else(|e| panic!("{case}: {e}"));
                let o = std::process::Command::new(env!("CARGO_BIN_EXE_ai-interop"))
                    .args(["unpack", &target])
                    .arg(work.path().join("again"))
                    .env_remove("CI")
                    .output()
                    .unwrap();
                assert_eq!(
                    o.status.code(),
                    Some(0),
                    "{}",
                    String::from_utf8_lossy(&o.stderr)
                );
            }
        }
    }
}
