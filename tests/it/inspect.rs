//! Layout + inspector end to end: tiny layouts and hostile tars built in each test.

use ai_interop::artifact::{
    Artifact, BlobProblem, Bomb, EntryKind, LayerFacts, Magic, Packing, TarFacts, TarIssue,
};
use ai_interop::digest::{Digest, Hasher};
use ai_interop::document::Limits;
use ai_interop::inspect::{InspectOptions, collect};
use ai_interop::targets::layout::OciLayout;
use serde_json::{Value, json};
use std::fs;
use std::io::Write;
use std::path::Path;

const RAW: &str = "application/vnd.cncf.model.weight.v1.raw";
const TAR: &str = "application/vnd.cncf.model.weight.v1.tar";
const TGZ: &str = "application/vnd.cncf.model.weight.v1.tar+gzip";
const TZST: &str = "application/vnd.cncf.model.weight.v1.tar+zstd";

fn sha256(b: &[u8]) -> Digest {
    Digest::sha256_of(b)
}

/// A layout under construction.
struct Layout {
    dir: tempfile::TempDir,
    layers: Vec<Value>,
}

impl Layout {
    fn new() -> Layout {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("blobs/sha256")).unwrap();
        Layout {
            dir,
            layers: Vec::new(),
        }
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn put(&self, bytes: &[u8]) -> Digest {
        let d = sha256(bytes);
        fs::write(self.path().join("blobs/sha256").join(d.encoded()), bytes).unwrap();
        d
    }
    /// Add a layer from bytes, with an optional filepath annotation.
    fn layer(&mut self, media_type: &str, bytes: &[u8], filepath: Option<&str>) -> Digest {
        let d = self.put(bytes);
        self.layer_desc(media_type, &d, bytes.len() as u64, filepath);
        d
    }
    /// Add a layer from a file already written, moving it into place.
    fn layer_file(&mut self, media_type: &str, file: &Path) -> Digest {
        let d = hash_file(file, "sha256");
        let size = fs::metadata(file).unwrap().len();
        fs::rename(file, self.path().join("blobs/sha256").join(d.encoded())).unwrap();
        self.layer_desc(media_type, &d, size, None);
        d
    }
    fn layer_desc(&mut self, media_type: &str, d: &Digest, size: u64, filepath: Option<&str>) {
        let mut desc = json!({"mediaType": media_type, "digest": d.to_string(), "size": size});
        if let Some(f) = filepath {
            desc["annotations"] = json!({"org.cncf.model.filepath": f});
        }
        self.layers.push(desc);
    }
    /// Write config, manifest and index, then open, select and collect.
    fn inspect_with(&self, limits: &Limits, options: &InspectOptions) -> Artifact {
        let config = br#"{"descriptor":{"name":"m"},"modelfs":{"type":"layers","diffIds":[]}}"#;
        let cd = self.put(config);
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "artifactType": "application/vnd.cncf.model.manifest.v1+json",
            "config": {"mediaType": "application/vnd.cncf.model.config.v1+json",
                       "digest": cd.to_string(), "size": config.len()},
            "layers": self.layers,
        });
        let mb = serde_json::to_vec(&manifest).unwrap();
        let md = self.put(&mb);
        let index = json!({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": md.to_string(), "size": mb.len(),
            "annotations": {"org.opencontainers.image.ref.name": "latest"}}]});
        fs::write(self.path().join("index.json"), index.to_string()).unwrap();
        fs::write(
            self.path().join("oci-layout"),
            br#"{"imageLayoutVersion":"1.0.0"}"#,
        )
        .unwrap();
        let layout = OciLayout::open(self.path(), limits).unwrap();
        let (facts, doc) = layout.select(Some("latest"), limits).unwrap();
        let a = collect(&layout, "test".into(), Some(facts), doc, limits, options);
        assert_eq!(a.manifest_digest, md);
        a
    }
    fn inspect(&self) -> Artifact {
        self.inspect_with(&Limits::default(), &InspectOptions::default())
    }
}

fn hash_file(p: &Path, alg: &str) -> Digest {
    use std::io::Read;
    let mut h = Hasher::new(alg).unwrap();
    let mut f = fs::File::open(p).unwrap();
    let mut buf = vec![0; 1 << 20];
    loop {
        let n = f.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    h.finish()
}

// ---------- tar building ----------

/// A header with raw fields, bypassing the tar crate's path sanitising.
fn raw_header(name: &[u8], kind: tar::EntryType, size: u64, link: &[u8]) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.as_old_mut().name[..name.len()].copy_from_slice(name);
    h.as_old_mut().linkname[..link.len()].copy_from_slice(link);
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(0o644);
    h.set_cksum();
    h
}

fn push(tar: &mut Vec<u8>, h: &tar::Header, data: &[u8]) {
    tar.extend_from_slice(h.as_bytes());
    tar.extend_from_slice(data);
    let pad = (512 - data.len() % 512) % 512;
    tar.extend(std::iter::repeat_n(0u8, pad));
}

fn file(tar: &mut Vec<u8>, name: &[u8], data: &[u8]) {
    push(
        tar,
        &raw_header(name, tar::EntryType::Regular, data.len() as u64, b""),
        data,
    );
}

fn entry(tar: &mut Vec<u8>, name: &[u8], kind: tar::EntryType, link: &[u8]) {
    push(tar, &raw_header(name, kind, 0, link), b"");
}

fn finish(mut tar: Vec<u8>) -> Vec<u8> {
    tar.extend(std::iter::repeat_n(0u8, 1024));
    tar
}

fn simple_tar() -> Vec<u8> {
    let mut t = Vec::new();
    entry(&mut t, b"model/", tar::EntryType::Directory, b"");
    file(&mut t, b"model/weights.bin", b"0123456789");
    finish(t)
}

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

fn zstd(b: &[u8]) -> Vec<u8> {
    zstd::encode_all(b, 3).unwrap()
}

fn only_layer(a: &Artifact) -> &LayerFacts {
    assert_eq!(a.layers.len(), 1);
    &a.layers[0]
}

fn tar_facts(a: &Artifact) -> &TarFacts {
    only_layer(a).content.tar.as_ref().expect("tar facts")
}

fn issues(t: &TarFacts) -> Vec<(String, TarIssue)> {
    t.problems
        .iter()
        .map(|p| (p.entry.clone(), p.issue.clone()))
        .collect()
}

fn tar_layer(tar: &[u8]) -> Artifact {
    let mut l = Layout::new();
    l.layer(TAR, tar, None);
    l.inspect()
}

// ---------- digests and diff_ids ----------

#[test]
fn raw_layer_digest_and_diff_id() {
    let bytes = b"some weights".repeat(1000);
    let mut l = Layout::new();
    let d = l.layer(RAW, &bytes, None);
    let a = l.inspect();
    let layer = only_layer(&a);
    let blob = layer.blob.as_ref().unwrap();
    assert_eq!(blob.digest, d);
    assert_eq!(blob.size, bytes.len() as u64);
    assert_eq!(layer.content.diff_id, Some(sha256(&bytes)));
    assert_eq!(layer.content.uncompressed_size, Some(bytes.len() as u64));
    assert_eq!(layer.content.magic, Some(Magic::Other));
    assert_eq!(layer.content.packing, Some(Packing::Raw));
    assert!(!layer.content.compression_mismatch);
    assert!(layer.content.tar.is_none());
    let config = a.config.as_ref().unwrap();
    assert!(config.blob.is_ok());
    assert!(a.config_json().is_some());
    assert_eq!(a.layout.as_ref().unwrap().selected_pointer, "/manifests/0");
}

#[test]
fn raw_gzip_file_is_not_a_mismatch() {
    let mut l = Layout::new();
    l.layer(RAW, &gzip(b"hello"), None);
    let a = l.inspect();
    let c = &only_layer(&a).content;
    assert_eq!(c.magic, Some(Magic::Gzip));
    assert!(!c.compression_mismatch);
}

#[test]
fn tar_gzip_zstd_diff_ids() {
    let tar = simple_tar();
    let gz = gzip(&tar);
    let zs = zstd(&tar);
    let mut l = Layout::new();
    let dt = l.layer(TAR, &tar, Some("model/weights.bin"));
    let dg = l.layer(TGZ, &gz, Some("model"));
    let dz = l.layer(TZST, &zs, Some("absent"));
    let a = l.inspect();
    assert_eq!(a.layers.len(), 3);
    let want = Some(sha256(&tar));
    for (i, (d, magic, packing)) in [
        (dt, Magic::Tar, Packing::Tar),
        (dg, Magic::Gzip, Packing::TarGzip),
        (dz, Magic::Zstd, Packing::TarZstd),
    ]
    .into_iter()
    .enumerate()
    {
        let layer = &a.layers[i];
        assert_eq!(layer.index, i);
        assert_eq!(layer.blob.as_ref().unwrap().digest, d, "layer {i}");
        let c = &layer.content;
        assert_eq!(c.diff_id, want, "layer {i}");
        assert_eq!(c.uncompressed_size, Some(tar.len() as u64));
        assert_eq!(c.magic, Some(magic));
        assert_eq!(c.packing, Some(packing));
        assert!(!c.compression_mismatch, "layer {i}");
        assert_eq!(c.decode_error, None);
        let t = c.tar.as_ref().unwrap();
        assert_eq!(t.entries, 2);
        assert!(t.problems.is_empty(), "{:?}", t.problems);
    }
    // named: a file, a directory, and absent.
    let t0 = a.layers[0].content.tar.as_ref().unwrap();
    let named = t0.named.as_ref().unwrap();
    assert_eq!(named.kind, EntryKind::File);
    assert_eq!(named.size, 10);
    assert_eq!(named.mode, 0o644);
    assert!(!t0.named_has_children);
    let t1 = a.layers[1].content.tar.as_ref().unwrap();
    assert_eq!(t1.named.as_ref().unwrap().kind, EntryKind::Directory);
    assert!(t1.named_has_children);
    let t2 = a.layers[2].content.tar.as_ref().unwrap();
    assert!(t2.named.is_none() && !t2.named_has_children);
}

#[test]
fn multi_member_gzip_is_read_whole() {
    let tar = simple_tar();
    let (a, b) = tar.split_at(700);
    let mut gz = gzip(a);
    gz.extend(gzip(b));
    let mut l = Layout::new();
    l.layer(TGZ, &gz, None);
    let a = l.inspect();
    let c = &only_layer(&a).content;
    assert_eq!(c.diff_id, Some(sha256(&tar)));
    assert_eq!(c.tar.as_ref().unwrap().entries, 2);
}

#[test]
fn sha512_descriptor_hashes_with_sha512_and_diff_id_stays_sha256() {
    let bytes = b"weights";
    let mut l = Layout::new();
    let mut h = Hasher::new("sha512").unwrap();
    h.update(bytes);
    let d512 = h.finish();
    let dir = l.path().join("blobs/sha512");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(d512.encoded()), bytes).unwrap();
    l.layer_desc(RAW, &d512, bytes.len() as u64, None);
    let a = l.inspect();
    let layer = only_layer(&a);
    assert_eq!(layer.blob.as_ref().unwrap().digest, d512);
    assert_eq!(layer.content.diff_id, Some(sha256(bytes)));
}

#[test]
fn wrong_digest_shows_the_computed_digest() {
    let mut l = Layout::new();
    let claimed = sha256(b"what the manifest says");
    fs::write(
        l.path().join("blobs/sha256").join(claimed.encoded()),
        b"something else",
    )
    .unwrap();
    l.layer_desc(RAW, &claimed, 14, None);
    let a = l.inspect();
    let blob = only_layer(&a).blob.as_ref().unwrap();
    assert_eq!(blob.digest, sha256(b"something else"));
    assert_ne!(blob.digest, claimed);
}

#[test]
fn missing_unaddressable_and_symlinked_blobs() {
    let mut l = Layout::new();
    let missing = sha256(b"not stored");
    l.layer_desc(RAW, &missing, 10, None);
    l.layers
        .push(json!({"mediaType": RAW, "digest": "sha256:xyz", "size": 1}));
    l.layers
        .push(json!({"mediaType": RAW, "digest": "md5:d41d8cd98f00b204e9800998ecf8427e"}));
    l.layers.push(json!({"mediaType": RAW}));
    l.layers.push(json!(42));
    let linked = sha256(b"linked");
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        "/dev/zero",
        l.path().join("blobs/sha256").join(linked.encoded()),
    )
    .unwrap();
    l.layer_desc(RAW, &linked, 6, None);
    let a = l.inspect();
    assert_eq!(a.layers.len(), 6);
    assert_eq!(a.layers[0].blob, Err(BlobProblem::Missing));
    for i in 1..5 {
        assert!(
            matches!(a.layers[i].blob, Err(BlobProblem::Unaddressable(_))),
            "layer {i}: {:?}",
            a.layers[i].blob
        );
    }
    // A link out of the layout is never followed (OCI-004).
    match &a.layers[5].blob {
        Err(BlobProblem::OutsideLayout(m)) => assert!(m.contains("/dev/zero"), "{m}"),
        other => panic!("symlink must be refused: {other:?}"),
    }
    for (i, layer) in a.layers.iter().enumerate() {
        assert_eq!(layer.index, i);
    }
}

#[test]
fn compression_mismatch() {
    let tar = simple_tar();
    let mut l = Layout::new();
    l.layer(TGZ, &tar, None); // claims gzip, is plain tar
    l.layer(TAR, &gzip(&tar), None); // claims tar, is gzip
    l.layer(TZST, &gzip(&tar), None); // claims zstd, is gzip
    let a = l.inspect();
    for layer in &a.layers {
        assert!(layer.content.compression_mismatch, "{layer:?}");
        assert!(layer.blob.is_ok());
    }
    assert!(a.layers[0].content.decode_error.is_some());
    assert_eq!(a.layers[0].content.diff_id, None);
    assert!(a.layers[2].content.decode_error.is_some());
    // A gzip read as tar is a malformed archive (its stored bytes are still its content).
    let t = a.layers[1].content.tar.as_ref().unwrap();
    assert!(
        matches!(t.problems[0].issue, TarIssue::Malformed(_)),
        "{t:?}"
    );
}

#[test]
fn content_off_and_unknown_media_type_hash_only() {
    let tar = simple_tar();
    let mut l = Layout::new();
    let d = l.layer(TGZ, &gzip(&tar), None);
    let a = l.inspect_with(&Limits::default(), &InspectOptions { content: false });
    let layer = only_layer(&a);
    assert_eq!(layer.blob.as_ref().unwrap().digest, d);
    assert!(layer.content.skipped.is_some());
    assert!(layer.content.diff_id.is_none() && layer.content.tar.is_none());

    let mut l = Layout::new();
    l.layer("application/vnd.cncf.model.weight.v1.gguf", b"GGUF", None);
    let a = l.inspect();
    let c = &only_layer(&a).content;
    assert_eq!(c.packing, Some(Packing::Unknown));
    assert!(c.skipped.as_ref().unwrap().contains("gguf"));
}

#[test]
fn many_layers_keep_manifest_order_on_many_threads() {
    let mut l = Layout::new();
    let mut want = Vec::new();
    for i in 0..24 {
        let bytes = vec![i as u8; 1000 + i * 4096];
        want.push(l.layer(RAW, &bytes, None));
    }
    let limits = Limits {
        threads: 4,
        ..Limits::default()
    };
    let a = l.inspect_with(&limits, &InspectOptions::default());
    let got: Vec<Digest> = a
        .layers
        .iter()
        .map(|l| l.blob.as_ref().unwrap().digest.clone())
        .collect();
    assert_eq!(got, want);
}

// ---------- bombs ----------

/// 200 MiB of zeros behind a tar header, compressed on the fly into a file.
fn write_bomb(path: &Path, zstd_codec: bool) {
    const MIB: usize = 1 << 20;
    let size = 200 * MIB;
    let out = fs::File::create(path).unwrap();
    let mut w: Box<dyn Write> = if zstd_codec {
        Box::new(zstd::Encoder::new(out, 1).unwrap().auto_finish())
    } else {
        Box::new(flate2::write::GzEncoder::new(
            out,
            flate2::Compression::fast(),
        ))
    };
    let h = raw_header(b"zeros", tar::EntryType::Regular, size as u64, b"");
    w.write_all(h.as_bytes()).unwrap();
    let zeros = vec![0u8; MIB];
    for _ in 0..200 {
        w.write_all(&zeros).unwrap();
    }
    w.write_all(&[0u8; 1024]).unwrap();
    w.flush().unwrap();
}

fn check_bomb(zstd_codec: bool) {
    let mut l = Layout::new();
    let tmp = l.path().join("bomb.tmp");
    write_bomb(&tmp, zstd_codec);
    let stored_size = fs::metadata(&tmp).unwrap().len();
    let d = l.layer_file(if zstd_codec { TZST } else { TGZ }, &tmp);
    let a = l.inspect();
    let layer = only_layer(&a);
    let blob = layer.blob.as_ref().unwrap();
    assert_eq!(blob.digest, d, "the blob digest covers every stored byte");
    assert_eq!(blob.size, stored_size);
    let c = &layer.content;
    match c.bomb {
        Some(Bomb::Ratio {
            compressed,
            uncompressed,
        }) => assert!(
            uncompressed > 100 * compressed,
            "{compressed} {uncompressed}"
        ),
        ref other => panic!("expected a ratio bomb, got {other:?}"),
    }
    assert_eq!(c.diff_id, None);
    assert_eq!(c.decode_error, None);
    // The guard's refusal is not a malformed archive.
    let t = c.tar.as_ref().unwrap();
    assert!(t.problems.is_empty(), "{:?}", t.problems);

    // The same blob under a size cap instead of a ratio cap.
    let limits = Limits {
        max_ratio: u64::MAX,
        max_uncompressed_bytes: 8 << 20,
        ..Limits::default()
    };
    let a = l.inspect_with(&limits, &InspectOptions::default());
    let layer = only_layer(&a);
    assert_eq!(layer.blob.as_ref().unwrap().digest, d);
    assert!(
        matches!(layer.content.bomb, Some(Bomb::Size { uncompressed }) if uncompressed > 8 << 20)
    );
}

#[test]
fn gzip_bomb_is_stopped_and_blob_still_verified() {
    check_bomb(false);
}

#[test]
fn zstd_bomb_is_stopped_and_blob_still_verified() {
    check_bomb(true);
}

// ---------- tar issues ----------

#[test]
fn absolute_parent_and_unsafe_names() {
    let mut t = Vec::new();
    file(&mut t, b"/etc/passwd", b"x");
    file(&mut t, b"../x", b"x");
    file(&mut t, b"a/../../y", b"x");
    file(&mut t, b"dir\\evil", b"x");
    file(&mut t, b"bad\xffname", b"x");
    let a = tar_layer(&finish(t));
    let got = issues(tar_facts(&a));
    assert_eq!(
        got,
        vec![
            ("/etc/passwd".into(), TarIssue::AbsolutePath),
            ("../x".into(), TarIssue::ParentComponent),
            ("a/../../y".into(), TarIssue::ParentComponent),
            ("dir\\evil".into(), TarIssue::UnsafeName),
            ("bad\u{fffd}name".into(), TarIssue::UnsafeName),
        ]
    );
    assert_eq!(tar_facts(&a).entries, 5);
}

#[test]
fn links_escaping_and_dangling() {
    use tar::EntryType::{Link, Symlink};
    let mut t = Vec::new();
    file(&mut t, b"a/real", b"x");
    entry(&mut t, b"a/ok", Symlink, b"real");
    entry(&mut t, b"a/up_ok", Symlink, b"../a/real");
    entry(&mut t, b"a/abs", Symlink, b"/etc/shadow");
    entry(&mut t, b"a/up", Symlink, b"../../etc");
    entry(&mut t, b"hard_ok", Link, b"./a/real");
    entry(&mut t, b"hard_up", Link, b"../outside");
    entry(&mut t, b"hard_later", Link, b"later");
    file(&mut t, b"later", b"x");
    let a = tar_layer(&finish(t));
    let got = issues(tar_facts(&a));
    assert_eq!(
        got,
        vec![
            (
                "a/abs".into(),
                TarIssue::LinkEscape {
                    target: "/etc/shadow".into()
                }
            ),
            (
                "a/up".into(),
                TarIssue::LinkEscape {
                    target: "../../etc".into()
                }
            ),
            (
                "hard_up".into(),
                TarIssue::LinkEscape {
                    target: "../outside".into()
                }
            ),
            (
                "hard_later".into(),
                TarIssue::DanglingHardlink {
                    target: "later".into()
                }
            ),
        ]
    );
}

#[test]
fn devices_and_duplicates() {
    use tar::EntryType::{Block, Char, Directory, Fifo};
    let mut t = Vec::new();
    entry(&mut t, b"dev/null", Char, b"");
    entry(&mut t, b"dev/sda", Block, b"");
    entry(&mut t, b"pipe", Fifo, b"");
    entry(&mut t, b"./d/", Directory, b"");
    entry(&mut t, b"d", Directory, b"");
    file(&mut t, b"f", b"1");
    file(&mut t, b"./f", b"2");
    let a = tar_layer(&finish(t));
    let got = issues(tar_facts(&a));
    assert_eq!(
        got,
        vec![
            (
                "dev/null".into(),
                TarIssue::DeviceNode(EntryKind::CharDevice)
            ),
            (
                "dev/sda".into(),
                TarIssue::DeviceNode(EntryKind::BlockDevice)
            ),
            ("pipe".into(), TarIssue::DeviceNode(EntryKind::Fifo)),
            ("d".into(), TarIssue::DuplicatePath),
            ("./f".into(), TarIssue::DuplicatePath),
        ]
    );
}

#[test]
fn too_many_entries_stops_inspection_but_not_hashing() {
    let mut t = Vec::new();
    for i in 0..10 {
        file(&mut t, format!("f{i}").as_bytes(), b"x");
    }
    let tar = finish(t);
    let mut l = Layout::new();
    let d = l.layer(TGZ, &gzip(&tar), None);
    let limits = Limits {
        max_tar_entries: 3,
        ..Limits::default()
    };
    let a = l.inspect_with(&limits, &InspectOptions::default());
    let layer = only_layer(&a);
    assert_eq!(layer.blob.as_ref().unwrap().digest, d);
    assert_eq!(layer.content.diff_id, Some(sha256(&tar)));
    let t = layer.content.tar.as_ref().unwrap();
    assert_eq!(t.entries, 3);
    assert_eq!(issues(t), vec![(String::new(), TarIssue::TooManyEntries)]);
}

#[test]
fn truncated_and_corrupt_tars_are_malformed() {
    let mut t = Vec::new();
    file(&mut t, b"big", &[7u8; 4000]);
    let truncated = &t[..2000];
    let a = tar_layer(truncated);
    let got = issues(tar_facts(&a));
    assert_eq!(got.len(), 1);
    assert!(matches!(got[0].1, TarIssue::Malformed(_)), "{got:?}");
    // The diff_id of an uncompressed tar is still the digest of its bytes.
    assert_eq!(only_layer(&a).content.diff_id, Some(sha256(truncated)));

    let mut bad = simple_tar();
    bad[512 + 10] ^= 0x55; // second header's name: checksum no longer matches
    let a = tar_layer(&bad);
    let got = issues(tar_facts(&a));
    assert_eq!(tar_facts(&a).entries, 1);
    assert!(
        matches!(&got[0].1, TarIssue::Malformed(m) if m.contains("checksum")),
        "{got:?}"
    );

    // Truncated inside a compressed stream: a decode error, not a malformed archive.
    let gz = gzip(&simple_tar());
    let mut l = Layout::new();
    l.layer(TGZ, &gz[..gz.len() / 2], None);
    let a = l.inspect();
    let c = &only_layer(&a).content;
    assert!(c.decode_error.is_some());
    assert_eq!(c.diff_id, None);
}

#[test]
fn long_names_are_honoured() {
    let long = format!("{}/weights.safetensors", "d".repeat(150));
    for pax in [false, true] {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = if pax {
            tar::Header::new_ustar()
        } else {
            tar::Header::new_gnu()
        };
        h.set_size(3);
        h.set_mode(0o600);
        h.set_entry_type(tar::EntryType::Regular);
        if pax {
            b.append_pax_extensions([("path", long.as_bytes())])
                .unwrap();
            h.set_path("short").unwrap();
            h.set_cksum();
            b.append(&h, &b"abc"[..]).unwrap();
        } else {
            b.append_data(&mut h, &long, &b"abc"[..]).unwrap();
        }
        let tar = b.into_inner().unwrap();
        let mut l = Layout::new();
        l.layer(TAR, &tar, Some(&format!("./{long}")));
        let a = l.inspect();
        let t = tar_facts(&a);
        assert_eq!(t.entries, 1, "pax={pax}");
        let named = t.named.as_ref().expect("long name found");
        assert_eq!(named.path, long);
        assert_eq!(named.mode, 0o600);
        assert!(t.problems.is_empty(), "{:?}", t.problems);
    }
}

#[test]
fn problems_are_capped() {
    let mut t = Vec::new();
    for i in 0..150 {
        file(&mut t, format!("/abs{i}").as_bytes(), b"");
    }
    let a = tar_layer(&finish(t));
    let tf = tar_facts(&a);
    assert_eq!(tf.entries, 150);
    assert_eq!(tf.problems.len(), 100);
}

#[test]
fn non_utf8_manifest_is_reported_with_offset() {
    let l = Layout::new();
    let bad = b"{\"schemaVersion\":2,\"x\":\"\xc3\x28\"}";
    let md = l.put(bad);
    let index = json!({"manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": md.to_string(), "size": bad.len()}]});
    fs::write(l.path().join("index.json"), index.to_string()).unwrap();
    let layout = OciLayout::open(l.path(), &Limits::default()).unwrap();
    let (facts, doc) = layout.select(None, &Limits::default()).unwrap();
    let e = doc.json.clone().unwrap_err();
    assert!(e.contains("offset 24"), "{e}");
    let a = collect(
        &layout,
        "t".into(),
        Some(facts),
        doc,
        &Limits::default(),
        &InspectOptions::default(),
    );
    assert_eq!(a.manifest_digest, md);
    assert!(a.config.is_none() && a.layers.is_empty());
}

#[test]
fn empty_blobs() {
    let mut l = Layout::new();
    l.layer(RAW, b"", None);
    l.layer(TAR, b"", None);
    l.layer(TGZ, b"", None);
    l.layer(TZST, b"", None);
    let a = l.inspect();
    for layer in &a.layers {
        let c = &layer.content;
        assert_eq!(layer.blob.as_ref().unwrap().digest, sha256(b""));
        assert_eq!(c.magic, Some(Magic::Empty));
    }
    assert!(!a.layers[0].content.compression_mismatch);
    assert_eq!(a.layers[0].content.diff_id, Some(sha256(b"")));
    for layer in &a.layers[1..] {
        assert!(layer.content.compression_mismatch);
    }
    // An empty "tar" has no entries; empty compressed streams do not decode.
    assert_eq!(a.layers[1].content.tar.as_ref().unwrap().entries, 0);
    for layer in &a.layers[2..] {
        assert!(layer.content.decode_error.is_some());
        assert_eq!(layer.content.diff_id, None);
    }
}

#[test]
fn oversized_pax_header_is_malformed_and_the_blob_still_verified() {
    // A PAX header that declares 2 GiB but carries only 4 KiB: refused before the tar crate
    // would buffer it, reported as a malformed archive, and the blob digest still covers
    // every byte.
    let mut t = Vec::new();
    let mut h = raw_header(b"PaxHeaders/x", tar::EntryType::XHeader, 2 << 30, b"");
    h.set_cksum();
    push(&mut t, &h, &[b'a'; 4096]);
    let t = finish(t);
    let a = tar_layer(&t);
    let layer = only_layer(&a);
    assert_eq!(layer.blob.as_ref().unwrap().digest, sha256(&t));
    let problems = issues(tar_facts(&a));
    assert!(
        matches!(&problems[..], [(_, TarIssue::Malformed(m))] if m.contains("extension header")),
        "{problems:?}"
    );
}
