//! The artifacts the suite pushes: every positive golden model fixture (read from its OCI
//! layout, blobs streamed from disk), plus a small ModelPack-style model built in code (unique
//! per run, so referrers, the fallback tag and the delete probe never meet an earlier run's
//! content) and the referrers attached to it.
//!
//! The code-built manifests are written with an unusual indentation on purpose, so that a
//! registry that re-serializes them is caught by a byte comparison.

use crate::digest::Digest;
use crate::document::Limits;
use crate::targets::layout::OciLayout;
use crate::targets::registry::manifest::{odd_json, referenced_blob, referenced_blobs};
use crate::vocabulary::{
    FILEPATH, IMAGE_CREATED, IMAGE_TITLE, MODEL_CONFIG, MODEL_DOC_RAW, MODEL_MANIFEST,
    MODEL_WEIGHT_RAW, OCI_EMPTY, PROBE_MODEL_RUN, PROBE_REFERRER_KIND, PROBE_RUN,
};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// One blob to push.
#[derive(Debug, Clone)]
pub struct Blob {
    pub media_type: String,
    pub bytes: Vec<u8>,
    pub digest: Digest,
}

impl Blob {
    pub fn new(media_type: &str, bytes: Vec<u8>) -> Blob {
        Blob {
            media_type: media_type.into(),
            digest: Digest::sha256_of(&bytes),
            bytes,
        }
    }
    pub fn descriptor(&self) -> Value {
        json!({"mediaType": self.media_type, "digest": self.digest.to_string(), "size": self.bytes.len()})
    }
}

/// A manifest with the blobs it needs.
#[derive(Debug, Clone)]
pub struct Pushable {
    pub media_type: String,
    pub artifact_type: Option<String>,
    pub bytes: Vec<u8>,
    pub digest: Digest,
    pub blobs: Vec<Blob>,
    pub annotations: serde_json::Map<String, Value>,
}

impl Pushable {
    pub fn descriptor(&self) -> Value {
        json!({"mediaType": self.media_type, "digest": self.digest.to_string(), "size": self.bytes.len()})
    }
    pub fn size(&self) -> u64 {
        self.bytes.len() as u64
    }
}

/// One positive golden fixture, ready to push: the manifest's exact bytes and the blobs it
/// names, which stay on disk until they are streamed.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// The case ID (`pass-…`), also the tag the suite pushes it under.
    pub case: String,
    pub layout: OciLayout,
    pub media_type: String,
    pub bytes: Vec<u8>,
    pub digest: Digest,
    /// `(media type, digest, size)` of the config and the layers (of every manifest below,
    /// when the tag names an image index; each digest once).
    pub blobs: Vec<(String, Digest, u64)>,
    /// When the tag names an image index: the manifests and indexes below it, `(media type,
    /// digest, exact bytes)`, in an order that pushes every child before its parent.
    pub children: Vec<(String, Digest, Vec<u8>)>,
}

/// The blobs a manifest names, or for an image index everything below it: nested documents go
/// to `children` (children before parents), blobs to `blobs`.
fn below(
    layout: &OciLayout,
    doc: &Value,
    limits: &Limits,
    children: &mut Vec<(String, Digest, Vec<u8>)>,
    blobs: &mut Vec<(String, Digest, u64)>,
) -> Result<(), String> {
    use crate::source::BlobSource;
    let Some(list) = doc.get("manifests").and_then(Value::as_array) else {
        for (d, parts) in referenced_blobs(doc) {
            let parts = parts.ok_or_else(|| format!("unusable descriptor {d}"))?;
            if !blobs.iter().any(|b| b.1 == parts.1) {
                blobs.push(parts);
            }
        }
        return Ok(());
    };
    for d in list {
        let (media_type, digest, _) =
            referenced_blob(d).ok_or_else(|| format!("unusable index descriptor {d}"))?;
        let reader = layout.open_blob(&digest).map_err(|e| e.to_string())?;
        let child = crate::document::Document::from_reader(reader, limits)
            .map_err(|e| format!("{digest}: {e}"))?;
        let (Some(bytes), Ok(json)) = (child.bytes, child.json) else {
            return Err(format!("{digest} is not a JSON document within the limits"));
        };
        below(layout, &json, limits, children, blobs)?;
        if !children.iter().any(|c| c.1 == digest) {
            children.push((media_type, digest, bytes));
        }
    }
    Ok(())
}

/// The positive model fixtures under `root` (`model/pass-*`, sorted by case ID). Each is an OCI
/// layout whose manifest (or image index) is selected by the `reference` of its `case.json`
/// (default `v1`).
pub fn positive_fixtures(root: &Path) -> Result<Vec<Fixture>, String> {
    let dir = root.join("model");
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut cases: Vec<(String, PathBuf)> = entries
        .flatten()
        .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            name.starts_with("pass-").then(|| (name, e.path()))
        })
        .collect();
    cases.sort();
    let limits = Limits::default();
    let mut out = Vec::new();
    for (case, path) in cases {
        let err = |m: String| format!("fixture {case}: {m}");
        let reference =
            crate::input::read_bounded(&path.join("case.json"), crate::input::MAX_INPUT_BYTES)
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .and_then(|v| {
                    v.get("reference")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .unwrap_or_else(|| "v1".into());
        let layout = OciLayout::open(&path, &limits).map_err(|e| err(e.to_string()))?;
        let (facts, manifest) = layout
            .select(Some(&reference), &limits)
            .map_err(|e| err(e.to_string()))?;
        let bytes = manifest
            .bytes
            .ok_or_else(|| err("the manifest is too large to push".into()))?;
        let json = manifest.json.map_err(|e| err(format!("manifest: {e}")))?;
        let digest = facts
            .selected
            .get("digest")
            .and_then(Value::as_str)
            .and_then(|d| Digest::parse(d).ok())
            .ok_or_else(|| err("the index descriptor has no usable digest".into()))?;
        let media_type = json
            .get("mediaType")
            .or_else(|| facts.selected.get("mediaType"))
            .and_then(Value::as_str)
            .unwrap_or(crate::vocabulary::OCI_MANIFEST)
            .to_string();
        let mut blobs = Vec::new();
        let mut children = Vec::new();
        below(&layout, &json, &limits, &mut children, &mut blobs).map_err(err)?;
        out.push(Fixture {
            case,
            layout,
            media_type,
            bytes,
            digest,
            blobs,
            children,
        });
    }
    Ok(out)
}

fn manifest(
    artifact_type: Option<&str>,
    config: &Blob,
    layers: &[Blob],
    layer_annotations: &[Value],
    subject: Option<Value>,
    annotations: Value,
) -> Pushable {
    let mut m = serde_json::Map::new();
    m.insert("schemaVersion".into(), json!(2));
    m.insert("mediaType".into(), json!(crate::vocabulary::OCI_MANIFEST));
    if let Some(t) = artifact_type {
        m.insert("artifactType".into(), json!(t));
    }
    m.insert("config".into(), config.descriptor());
    let layers_json: Vec<Value> = layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut d = l.descriptor();
            if let Some(a) = layer_annotations.get(i) {
                d["annotations"] = a.clone();
            }
            d
        })
        .collect();
    m.insert("layers".into(), Value::Array(layers_json));
    if let Some(s) = subject {
        m.insert("subject".into(), s);
    }
    m.insert("annotations".into(), annotations.clone());
    let bytes = odd_json(&Value::Object(m));
    let mut blobs = vec![config.clone()];
    blobs.extend(layers.iter().cloned());
    Pushable {
        media_type: crate::vocabulary::OCI_MANIFEST.into(),
        artifact_type: artifact_type.map(str::to_string),
        digest: Digest::sha256_of(&bytes),
        bytes,
        blobs,
        annotations: annotations.as_object().cloned().unwrap_or_default(),
    }
}

/// A ModelPack-style model: config, a weight layer and a README layer. `salt` makes the
/// content unique per run.
pub fn model(salt: &str) -> Pushable {
    let weights: Vec<u8> = (0..4096u32)
        .flat_map(|i| (i.wrapping_mul(2_654_435_761) ^ salt.len() as u32).to_le_bytes())
        .collect();
    let weights = Blob::new(MODEL_WEIGHT_RAW, weights);
    let readme = Blob::new(
        MODEL_DOC_RAW,
        format!("# ai-interop registry probe\n\nrun {salt}\n").into_bytes(),
    );
    let config = json!({
        "descriptor": {"name": "ai-interop-registry-probe", "version": "1.0", "createdAt": "2025-01-01T00:00:00Z"},
        "config": {"format": "safetensors", "paramSize": "1k"},
        "modelfs": {"type": "layers", "diffIds": [weights.digest.to_string(), readme.digest.to_string()]}
    });
    let config = Blob::new(MODEL_CONFIG, odd_json(&config));
    manifest(
        Some(MODEL_MANIFEST),
        &config,
        &[weights, readme],
        &[
            json!({FILEPATH: "model.safetensors"}),
            json!({FILEPATH: "README.md"}),
        ],
        None,
        json!({
            IMAGE_TITLE: "ai-interop registry probe",
            IMAGE_CREATED: "2025-01-01T00:00:00Z",
            PROBE_MODEL_RUN: salt,
        }),
    )
}

/// A referrer of `subject` with the empty config, so that its `artifactType` differs from its
/// config media type (the referrers API must report the former).
pub fn referrer(subject: &Value, artifact_type: &str, payload_type: &str, salt: &str) -> Pushable {
    let config = Blob::new(OCI_EMPTY, b"{}".to_vec());
    let payload = Blob::new(
        payload_type,
        format!("{{\"probe\":\"{artifact_type}\",\"run\":\"{salt}\"}}").into_bytes(),
    );
    manifest(
        Some(artifact_type),
        &config,
        &[payload],
        &[],
        Some(subject.clone()),
        json!({
            IMAGE_CREATED: "2025-01-01T00:00:00Z",
            PROBE_REFERRER_KIND: artifact_type,
            PROBE_RUN: salt,
        }),
    )
}

/// A manifest descriptor for a subject that exists nowhere.
pub(crate) fn phantom_subject(salt: &str) -> Value {
    let bytes = format!("phantom subject {salt}");
    json!({
        "mediaType": crate::vocabulary::OCI_MANIFEST,
        "digest": Digest::sha256_of(bytes.as_bytes()).to_string(),
        "size": bytes.len(),
    })
}

/// A deterministic, fast pseudo-random byte stream of `len` bytes (xorshift64*).
pub struct PatternReader {
    state: u64,
    remaining: u64,
}

impl PatternReader {
    pub fn new(seed: u64, len: u64) -> Self {
        PatternReader {
            state: seed | 1,
            remaining: len,
        }
    }
}

impl std::io::Read for PatternReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (buf.len() as u64).min(self.remaining) as usize;
        let mut chunks = buf[..n].chunks_exact_mut(8);
        for c in chunks.by_ref() {
            self.state ^= self.state >> 12;
            self.state ^= self.state << 25;
            self.state ^= self.state >> 27;
            c.copy_from_slice(&self.state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
        }
        for b in chunks.into_remainder() {
            *b = (self.state >> 56) as u8;
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

/// The digest of a pattern stream, computed by streaming it once.
pub(crate) fn pattern_digest(seed: u64, len: u64) -> Digest {
    let r = crate::digest::HashingReader::new(
        PatternReader::new(seed, len),
        crate::digest::Hasher::new("sha256").expect("sha256"),
    );
    r.drain().expect("in-memory stream").0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::JSON;
    use crate::vocabulary::SIGSTORE_BUNDLE_V03;

    #[test]
    fn model_is_consistent() {
        let m = model("x");
        let v: Value = serde_json::from_slice(&m.bytes).unwrap();
        assert_eq!(v["artifactType"], MODEL_MANIFEST);
        assert_eq!(v["config"]["digest"], m.blobs[0].digest.to_string());
        assert_eq!(m.digest, Digest::sha256_of(&m.bytes));
        assert!(m.bytes.starts_with(b"{\n   \""));
        let r = referrer(&m.descriptor(), SIGSTORE_BUNDLE_V03, JSON, "x");
        let rv: Value = serde_json::from_slice(&r.bytes).unwrap();
        assert_eq!(rv["subject"]["digest"], m.digest.to_string());
    }

    #[test]
    fn positive_fixtures_are_read_from_their_layouts() {
        let all = positive_fixtures(&crate::fixtures::fixtures_root()).unwrap();
        assert!(all.len() >= 10, "{}", all.len());
        for f in &all {
            assert!(f.case.starts_with("pass-"));
            assert_eq!(f.digest, Digest::sha256_of(&f.bytes), "{}", f.case);
            assert!(!f.blobs.is_empty(), "{}", f.case);
            for (_, d, size) in &f.blobs {
                let len = f
                    .layout
                    .open_blob_file(d)
                    .unwrap()
                    .metadata()
                    .unwrap()
                    .len();
                assert_eq!(len, *size, "{} {d}", f.case);
            }
        }
        assert!(all.iter().any(|f| f.bytes.len() == 4 << 20));
        assert!(positive_fixtures(Path::new("/nonexistent")).is_err());
    }

    #[test]
    fn pattern_is_deterministic() {
        use std::io::Read;
        let mut a = Vec::new();
        PatternReader::new(7, 1001).read_to_end(&mut a).unwrap();
        assert_eq!(a.len(), 1001);
        assert_eq!(pattern_digest(7, 1001), Digest::sha256_of(&a));
        assert_ne!(pattern_digest(8, 1001), Digest::sha256_of(&a));
    }
}
