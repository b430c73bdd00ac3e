//! An OCI image layout directory as a target: `oci-layout`, `index.json` and `blobs/`.
//!
//! Opening reads the two small documents; [`OciLayout::select`] picks one manifest descriptor
//! from `index.json` and reads the manifest blob. Blobs are served through [`BlobSource`], which
//! only ever opens regular files under `blobs/<algorithm>/<encoded>`.

use crate::artifact::LayoutFacts;
use crate::digest::Digest;
use crate::document::{Document, Limits};
use crate::source::{BlobError, BlobSource};
use serde_json::Value;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::vocabulary::REF_NAME;

/// Why a layout cannot be read or no manifest can be selected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error("{path}: not an OCI image layout: index.json is missing")]
    MissingIndex { path: PathBuf },
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("index.json is unusable, so no manifest can be selected: {0}")]
    IndexUnusable(String),
    #[error("index.json lists no manifests")]
    NoManifests,
    #[error("index.json lists {count} manifests; choose one by tag or digest (tags: {})", list(.tags))]
    Ambiguous { count: usize, tags: Vec<String> },
    #[error("no manifest in index.json matches {selector:?} (tags: {})", list(.tags))]
    NoMatch { selector: String, tags: Vec<String> },
    #[error("the selected descriptor {pointer} has no usable digest: {message}")]
    BadDescriptor { pointer: String, message: String },
    #[error("the selected manifest cannot be read: {0}")]
    Manifest(BlobError),
}

fn list(tags: &[String]) -> String {
    if tags.is_empty() {
        "none".to_string()
    } else {
        tags.join(", ")
    }
}

/// An opened OCI image layout.
#[derive(Debug, Clone)]
pub struct OciLayout {
    dir: PathBuf,
    oci_layout: Option<Document>,
    index: Document,
}

impl OciLayout {
    /// Read `oci-layout` (optional) and `index.json` (required).
    pub fn open(dir: impl AsRef<Path>, limits: &Limits) -> Result<OciLayout, LayoutError> {
        let dir = dir.as_ref().to_path_buf();
        let oci_layout = read_small_file(&dir.join("oci-layout"), limits)?;
        let index_path = dir.join("index.json");
        let index = read_small_file(&index_path, limits)?
            .ok_or(LayoutError::MissingIndex { path: dir.clone() })?;
        Ok(OciLayout {
            dir,
            oci_layout,
            index,
        })
    }

    pub(crate) fn index(&self) -> &Document {
        &self.index
    }
    #[cfg(test)]
    pub(crate) fn oci_layout(&self) -> Option<&Document> {
        self.oci_layout.as_ref()
    }

    /// The tags (`org.opencontainers.image.ref.name`) of the index's descriptors, in order.
    pub(crate) fn tags(&self) -> Vec<String> {
        manifests(&self.index)
            .map(|m| m.iter().filter_map(ref_name).map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// Select one manifest descriptor and read the manifest it points at.
    ///
    /// `selector` is a tag (matched against `org.opencontainers.image.ref.name`) or a digest
    /// (matched against descriptor digests). Without a selector the index must list exactly one
    /// manifest. Several matches are accepted only when they all name the same digest.
    pub fn select(
        &self,
        selector: Option<&str>,
        limits: &Limits,
    ) -> Result<(LayoutFacts, Document), LayoutError> {
        let list = manifests(&self.index).map_err(LayoutError::IndexUnusable)?;
        let tags = self.tags();
        let chosen = match selector {
            None => match list.len() {
                0 => return Err(LayoutError::NoManifests),
                1 => 0,
                count => return Err(LayoutError::Ambiguous { count, tags }),
            },
            Some(sel) => {
                let hits: Vec<usize> = (0..list.len())
                    .filter(|&i| {
                        let d = &list[i];
                        ref_name(d) == Some(sel)
                            || d.get("digest").and_then(Value::as_str) == Some(sel)
                    })
                    .collect();
                let digests: Vec<Option<&str>> = hits
                    .iter()
                    .map(|&i| list[i].get("digest").and_then(Value::as_str))
                    .collect();
                match hits.first() {
                    None => {
                        return Err(LayoutError::NoMatch {
                            selector: sel.to_string(),
                            tags,
                        });
                    }
                    Some(&first) if digests.iter().all(|d| *d == digests[0]) => first,
                    Some(_) => {
                        return Err(LayoutError::Ambiguous {
                            count: hits.len(),
                            tags,
                        });
                    }
                }
            }
        };
        let pointer = format!("/manifests/{chosen}");
        let descriptor = list[chosen].clone();
        let digest = descriptor
            .get("digest")
            .and_then(Value::as_str)
            .ok_or_else(|| "no digest string".to_string())
            .and_then(|s| Digest::parse_grammar(s).map_err(|e| e.to_string()))
            .map_err(|message| LayoutError::BadDescriptor {
                pointer: pointer.clone(),
                message,
            })?;
        let reader = self.open_blob(&digest).map_err(LayoutError::Manifest)?;
        let manifest = Document::from_reader(reader, limits).map_err(|e| {
            LayoutError::Manifest(BlobError::Io {
                digest: digest.to_string(),
                message: e.to_string(),
            })
        })?;
        let facts = LayoutFacts {
            oci_layout: self.oci_layout.clone(),
            index: self.index.clone(),
            selected_pointer: pointer,
            selected: descriptor,
        };
        Ok((facts, manifest))
    }

    fn blob_path(&self, digest: &Digest) -> Result<PathBuf, BlobError> {
        let (alg, enc) = (digest.algorithm(), digest.encoded());
        // `Digest` only exists after the grammar check, which already excludes `/` and `..`;
        // check again here because this is the line that touches the file system.
        let safe =
            |s: &str| !s.is_empty() && s != "." && s != ".." && !s.contains(['/', '\\', '\0']);
        if !safe(alg) || !safe(enc) {
            return Err(BlobError::Io {
                digest: digest.to_string(),
                message: "digest cannot name a blob path".into(),
            });
        }
        Ok(self.dir.join("blobs").join(alg).join(enc))
    }
}

impl BlobSource for OciLayout {
    fn describe(&self) -> String {
        format!("oci-layout:{}", self.dir.display())
    }

    fn open_blob(&self, digest: &Digest) -> Result<Box<dyn Read + Send + '_>, BlobError> {
        Ok(Box::new(self.open_blob_file(digest)?))
    }
}

impl OciLayout {
    /// The blob stored under `digest` as an open regular file (owned, so it can be streamed
    /// to another thread or into an upload without borrowing the layout).
    pub fn open_blob_file(&self, digest: &Digest) -> Result<File, BlobError> {
        let path = self.blob_path(digest)?;
        let io_err = |message: String| BlobError::Io {
            digest: digest.to_string(),
            message,
        };
        // Never open a device or FIFO: a blob is a regular file. A symbolic link is followed
        // only when it resolves to a path inside the layout directory (OCI-004).
        let link = match fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => fs::read_link(&path).ok(),
            Ok(_) => None,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(BlobError::NotFound(digest.to_string()));
            }
            Err(e) => return Err(io_err(e.to_string())),
        };
        // Resolve every link on the way (the blob itself, or `blobs/<alg>` as a link to a
        // directory elsewhere) and judge where the path really leads.
        let root = fs::canonicalize(&self.dir).map_err(|e| io_err(e.to_string()))?;
        let resolved = match fs::canonicalize(&path) {
            Ok(p) => p,
            // A dangling link resolves nowhere: it holds no blob.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(BlobError::NotFound(digest.to_string()));
            }
            Err(e) => return Err(io_err(e.to_string())),
        };
        if !resolved.starts_with(&root) {
            return Err(BlobError::OutsideLayout {
                digest: digest.to_string(),
                link: link
                    .unwrap_or_else(|| resolved.clone())
                    .display()
                    .to_string(),
            });
        }
        let path = resolved;
        let meta = fs::metadata(&path).map_err(|e| io_err(e.to_string()))?;
        if !meta.file_type().is_file() {
            return Err(io_err(format!(
                "{} is not a regular file ({})",
                path.display(),
                kind_name(&meta.file_type())
            )));
        }
        let file = File::open(&path).map_err(|e| io_err(e.to_string()))?;
        // The path could have been swapped between the two calls: check what was opened.
        let opened = file.metadata().map_err(|e| io_err(e.to_string()))?;
        if !opened.file_type().is_file() {
            return Err(io_err(format!("{} is not a regular file", path.display())));
        }
        Ok(file)
    }
}

fn kind_name(t: &fs::FileType) -> &'static str {
    if t.is_symlink() {
        "symlink"
    } else if t.is_dir() {
        "directory"
    } else {
        "special file"
    }
}

/// `Ok(None)` when the file is absent; regular files only (a symlink to one is accepted here,
/// a device or FIFO is not).
fn read_small_file(path: &Path, limits: &Limits) -> Result<Option<Document>, LayoutError> {
    let err = |message: String| LayoutError::Io {
        path: path.to_path_buf(),
        message,
    };
    match fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(err(e.to_string())),
        Ok(m) if !m.is_file() => return Err(err("not a regular file".into())),
        Ok(_) => {}
    }
    let file = File::open(path).map_err(|e| err(e.to_string()))?;
    if !file.metadata().map(|m| m.is_file()).unwrap_or(false) {
        return Err(err("not a regular file".into()));
    }
    Document::from_reader(file, limits)
        .map(Some)
        .map_err(|e| err(e.to_string()))
}

fn manifests(index: &Document) -> Result<&Vec<Value>, String> {
    let json = index.json.as_ref().map_err(Clone::clone)?;
    json.get("manifests")
        .and_then(Value::as_array)
        .ok_or_else(|| "it has no \"manifests\" array".to_string())
}

fn ref_name(descriptor: &Value) -> Option<&str> {
    descriptor
        .get("annotations")
        .and_then(|a| a.get(REF_NAME))
        .and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::OCI_MANIFEST;
    use serde_json::json;
    use std::fs;

    fn write_blob(dir: &Path, bytes: &[u8]) -> String {
        let d = Digest::sha256_of(bytes);
        let p = dir.join("blobs/sha256");
        fs::create_dir_all(&p).unwrap();
        fs::write(p.join(d.encoded()), bytes).unwrap();
        d.to_string()
    }

    fn layout(tags: &[Option<&str>]) -> (tempfile::TempDir, Vec<String>) {
        let t = tempfile::tempdir().unwrap();
        fs::write(
            t.path().join("oci-layout"),
            br#"{"imageLayoutVersion":"1.0.0"}"#,
        )
        .unwrap();
        let mut descs = Vec::new();
        let mut digests = Vec::new();
        for (i, tag) in tags.iter().enumerate() {
            let m = format!(r#"{{"schemaVersion":2,"n":{i}}}"#);
            let d = write_blob(t.path(), m.as_bytes());
            let mut desc = json!({"mediaType":OCI_MANIFEST,"digest":d,"size":m.len()});
            if let Some(tag) = tag {
                desc["annotations"] = json!({ REF_NAME: tag });
            }
            descs.push(desc);
            digests.push(d);
        }
        let index = json!({"schemaVersion":2,"manifests":descs});
        fs::write(t.path().join("index.json"), index.to_string()).unwrap();
        (t, digests)
    }

    #[test]
    fn select_single_without_selector() {
        let (t, d) = layout(&[None]);
        let l = OciLayout::open(t.path(), &Limits::default()).unwrap();
        let (facts, m) = l.select(None, &Limits::default()).unwrap();
        assert_eq!(facts.selected_pointer, "/manifests/0");
        assert_eq!(m.sha256.to_string(), d[0]);
        assert_eq!(m.json.unwrap()["n"], 0);
        assert!(facts.oci_layout.is_some());
    }

    #[test]
    fn select_by_tag_and_digest() {
        let (t, d) = layout(&[Some("v1"), Some("v2")]);
        let l = OciLayout::open(t.path(), &Limits::default()).unwrap();
        let (facts, m) = l.select(Some("v2"), &Limits::default()).unwrap();
        assert_eq!(facts.selected_pointer, "/manifests/1");
        assert_eq!(facts.selected["annotations"][REF_NAME], "v2");
        assert_eq!(m.json.unwrap()["n"], 1);
        let (facts, _) = l.select(Some(&d[0]), &Limits::default()).unwrap();
        assert_eq!(facts.selected_pointer, "/manifests/0");
    }

    #[test]
    fn ambiguous_and_unknown_selectors_list_tags() {
        let (t, _) = layout(&[Some("v1"), Some("v2")]);
        let l = OciLayout::open(t.path(), &Limits::default()).unwrap();
        let e = l.select(None, &Limits::default()).unwrap_err();
        assert!(matches!(e, LayoutError::Ambiguous { count: 2, .. }));
        assert!(e.to_string().contains("v1, v2"), "{e}");
        let e = l.select(Some("v3"), &Limits::default()).unwrap_err();
        assert!(matches!(e, LayoutError::NoMatch { .. }));
        assert!(e.to_string().contains("v1, v2"), "{e}");
    }

    #[test]
    fn missing_index_and_unparsable_index() {
        let t = tempfile::tempdir().unwrap();
        let e = OciLayout::open(t.path(), &Limits::default()).unwrap_err();
        assert!(matches!(e, LayoutError::MissingIndex { .. }));
        fs::write(t.path().join("index.json"), b"{nope").unwrap();
        let l = OciLayout::open(t.path(), &Limits::default()).unwrap();
        assert!(l.oci_layout().is_none());
        let e = l.select(None, &Limits::default()).unwrap_err();
        assert!(matches!(e, LayoutError::IndexUnusable(_)), "{e}");
    }

    #[test]
    fn oversized_manifest_keeps_size_and_digest() {
        let (t, d) = layout(&[None]);
        let limits = Limits {
            max_document_bytes: 4,
            ..Limits::default()
        };
        let l = OciLayout::open(t.path(), &Limits::default()).unwrap();
        let (_, m) = l.select(None, &limits).unwrap();
        assert!(m.bytes.is_none());
        assert!(m.json.is_err());
        assert!(m.size > 4);
        assert_eq!(m.sha256.to_string(), d[0]);
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_blob_is_refused_and_missing_is_not_found() {
        let (t, _) = layout(&[None]);
        let l = OciLayout::open(t.path(), &Limits::default()).unwrap();
        let target = "sha256:".to_string() + &"a".repeat(64);
        let dg = Digest::parse(&target).unwrap();
        assert_eq!(
            l.open_blob(&dg).err(),
            Some(BlobError::NotFound(target.clone()))
        );
        std::os::unix::fs::symlink(
            "/dev/zero",
            t.path().join("blobs/sha256").join("a".repeat(64)),
        )
        .unwrap();
        match l.open_blob(&dg) {
            Err(BlobError::OutsideLayout { link, .. }) => assert_eq!(link, "/dev/zero"),
            other => panic!("expected refusal, got {:?}", other.map(|_| ())),
        }
        // A directory in place of a blob is refused too.
        let dir_digest = "sha256:".to_string() + &"b".repeat(64);
        fs::create_dir(t.path().join("blobs/sha256").join("b".repeat(64))).unwrap();
        assert!(matches!(
            l.open_blob(&Digest::parse(&dir_digest).unwrap()),
            Err(BlobError::Io { .. })
        ));
    }

    #[test]
    fn unregistered_algorithm_path_is_still_confined() {
        let (t, _) = layout(&[None]);
        let l = OciLayout::open(t.path(), &Limits::default()).unwrap();
        let d = Digest::parse_grammar("foo+bar:abc").unwrap();
        assert_eq!(
            l.blob_path(&d).unwrap(),
            t.path().join("blobs").join("foo+bar").join("abc")
        );
    }
}
