//! Hostile input is normal input: thousands of corrupted manifests and layouts, each must end in
//! findings or a clear error — never a panic.

use ai_interop::artifact::{Document, Limits};
use ai_interop::engine::{EvalOptions, evaluate};
use ai_interop::inspect::{InspectOptions, collect};
use ai_interop::layout::OciLayout;
use ai_interop::spec::Catalog;
use ai_interop::target::TargetRef;
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
