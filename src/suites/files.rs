//! The files an artifact holds and the files a directory holds, in one shape, so that "every
//! file's bytes and path preserved" is one comparison for packers (source tree vs artifact) and
//! runtimes (artifact vs destination).

use crate::document::Limits;
use crate::vocabulary::{FILEPATH, IMAGE_TITLE, LEGACY_FILEPATH};

use crate::digest::{Digest, Hasher};
use crate::targets::layout::OciLayout;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Component, Path};

/// One file of a tree, by what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    File { digest: Digest, size: u64 },
    Link(String),
}

/// Relative path (with `/`) → node. Directories are implied by their files.
pub(crate) type Tree = BTreeMap<String, Node>;

/// Most entries read from one artifact or directory: the suites use small golden trees.
const MAX_ENTRIES: usize = 100_000;

fn hash_reader(mut r: impl Read) -> io::Result<(Digest, u64)> {
    let mut h = Hasher::new("sha256").expect("sha256 is registered");
    let mut buf = vec![0u8; 256 * 1024];
    let mut n_total = 0u64;
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        n_total += n as u64;
        h.update(&buf[..n]);
    }
    Ok((h.finish(), n_total))
}

/// Every regular file and symbolic link under `root`.
pub(crate) fn dir_tree(root: &Path) -> Result<Tree, String> {
    let mut tree = Tree::new();
    walk(root, root, &mut tree)?;
    Ok(tree)
}

fn walk(root: &Path, dir: &Path, tree: &mut Tree) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        if tree.len() > MAX_ENTRIES {
            return Err(format!(
                "more than {MAX_ENTRIES} files under {}",
                root.display()
            ));
        }
        let path = entry.path();
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        let ft = entry.file_type().map_err(|e| e.to_string())?;
        if ft.is_symlink() {
            let target = fs::read_link(&path).map_err(|e| e.to_string())?;
            tree.insert(rel, Node::Link(target.to_string_lossy().into_owned()));
        } else if ft.is_dir() {
            walk(root, &path, tree)?;
        } else if ft.is_file() {
            let f = fs::File::open(&path).map_err(|e| format!("{rel}: {e}"))?;
            let (digest, size) = hash_reader(f).map_err(|e| format!("{rel}: {e}"))?;
            tree.insert(rel, Node::File { digest, size });
        }
    }
    Ok(())
}

/// The files of the artifact tagged `tag` in the layout: a raw layer is one file at its
/// `org.cncf.model.filepath` (else the legacy `org.cnai.model.filepath`, else its
/// `org.opencontainers.image.title`); a tar layer gives its
/// entries at their own paths.
pub(crate) fn artifact_tree(layout: &Path, tag: &str) -> Result<Tree, String> {
    let limits = Limits::default();
    let layout = OciLayout::open(layout, &limits).map_err(|e| e.to_string())?;
    let (_, manifest) = layout
        .select(Some(tag), &limits)
        .map_err(|e| e.to_string())?;
    let manifest = manifest.json.map_err(|e| format!("manifest: {e}"))?;
    let layers = manifest
        .get("layers")
        .and_then(Value::as_array)
        .ok_or("the manifest has no layers array")?;
    let mut tree = Tree::new();
    for (i, layer) in layers.iter().enumerate() {
        let media_type = layer.get("mediaType").and_then(Value::as_str).unwrap_or("");
        let digest = layer
            .get("digest")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("layer {i} has no digest"))
            .and_then(|d| Digest::parse(d).map_err(|e| format!("layer {i}: {e}")))?;
        let blob = layout
            .open_blob_file(&digest)
            .map_err(|e| format!("layer {i}: {e}"))?;
        let annotation = |k: &str| {
            layer
                .get("annotations")
                .and_then(|a| a.get(k))
                .and_then(Value::as_str)
        };
        if media_type.contains("tar") {
            read_tar(blob, media_type, &mut tree).map_err(|e| format!("layer {i}: {e}"))?;
        } else {
            // ModelPack's earlier key is an equivalent that consumers accept (spec/v1.0/modelpack.md,
            // MPK-011): older packers (modctl 0.1.x) name every file by it.
            let path = annotation(FILEPATH)
                .or_else(|| annotation(LEGACY_FILEPATH))
                .or_else(|| annotation(IMAGE_TITLE))
                .ok_or_else(|| format!("raw layer {i} names no file path"))?;
            let (digest, size) = hash_reader(blob).map_err(|e| format!("layer {i}: {e}"))?;
            tree.insert(normalize(path), Node::File { digest, size });
        }
    }
    Ok(tree)
}

/// `./a//b/` → `a/b`.
fn normalize(path: &str) -> String {
    Path::new(path)
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            Component::ParentDir => Some("..".into()),
            Component::RootDir => Some(String::new()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn read_tar(blob: fs::File, media_type: &str, tree: &mut Tree) -> Result<(), String> {
    let mut buffered = BufReader::new(blob);
    let head = buffered.fill_buf().map_err(|e| e.to_string())?.to_vec();
    let reader: Box<dyn Read> = if media_type.ends_with("+gzip") || head.starts_with(&[0x1f, 0x8b])
    {
        Box::new(flate2::read::GzDecoder::new(buffered))
    } else if media_type.ends_with("+zstd") || head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(zstd::stream::read::Decoder::new(buffered).map_err(|e| e.to_string())?)
    } else {
        Box::new(buffered)
    };
    let mut archive = tar::Archive::new(reader);
    let mut count = 0usize;
    for entry in archive.entries().map_err(|e| e.to_string())? {
        count += 1;
        if count > MAX_ENTRIES {
            return Err(format!("more than {MAX_ENTRIES} tar entries"));
        }
        let mut entry = entry.map_err(|e| e.to_string())?;
        let path = normalize(&String::from_utf8_lossy(&entry.path_bytes()));
        let kind = entry.header().entry_type();
        if kind.is_symlink() {
            let target = entry
                .link_name_bytes()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            tree.insert(path, Node::Link(target));
        } else if kind.is_hard_link() {
            let target = entry
                .link_name_bytes()
                .map(|b| normalize(&String::from_utf8_lossy(&b)))
                .unwrap_or_default();
            // A hard link is its target's bytes at another path.
            let node = tree
                .get(&target)
                .cloned()
                .ok_or_else(|| format!("hard link {path} to {target}, not an earlier file"))?;
            tree.insert(path, node);
        } else if kind.is_file() || kind == tar::EntryType::Continuous {
            let (digest, size) = hash_reader(&mut entry).map_err(|e| format!("{path}: {e}"))?;
            tree.insert(path, Node::File { digest, size });
        }
    }
    Ok(())
}

/// Differences between an expected and an actual tree, one sentence each, at most `limit`.
pub(crate) fn differences(
    expected: &Tree,
    actual: &Tree,
    extra_is_difference: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    for (path, node) in expected {
        match actual.get(path) {
            None => out.push(format!("`{path}` is missing")),
            Some(got) if got != node => out.push(match (node, got) {
                (Node::File { size: a, .. }, Node::File { size: b, .. }) => {
                    format!("`{path}` has other bytes ({b} bytes instead of {a})")
                }
                _ => format!("`{path}` is {} instead of {}", show(got), show(node)),
            }),
            _ => {}
        }
    }
    if extra_is_difference {
        for path in actual.keys().filter(|p| !expected.contains_key(*p)) {
            out.push(format!("`{path}` was added"));
        }
    }
    out
}

fn show(n: &Node) -> String {
    match n {
        Node::File { size, .. } => format!("a file of {size} bytes"),
        Node::Link(t) => format!("a link to {t}"),
    }
}

/// At most `n` items, then how many more.
pub(crate) fn first(items: &[String], n: usize) -> String {
    let mut s = items.iter().take(n).cloned().collect::<Vec<_>>().join("; ");
    if items.len() > n {
        s.push_str(&format!("; and {} more", items.len() - n));
    }
    s
}
