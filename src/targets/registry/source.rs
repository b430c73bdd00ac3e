//! A registry repository as a [`BlobSource`]: every blob is streamed and verified on the fly, so
//! the artifact checks run on a registry unchanged and without temporary copies.

use super::client::{Client, ClientError};
use super::reference::Target;
use crate::digest::Digest;
use crate::source::{BlobError, BlobSource};
use reqwest::Method;
use std::io::Read;
use std::sync::Arc;

/// A manifest exactly as the registry served it.
#[derive(Debug, Clone)]
pub struct FetchedManifest {
    pub bytes: Vec<u8>,
    /// The digest of `bytes` (sha256, or the algorithm of the digest asked for).
    pub digest: Digest,
    pub content_type: Option<String>,
    pub docker_content_digest: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("manifest {0} not found")]
    NotFound(String),
    #[error("manifest {reference}: {message}")]
    Invalid { reference: String, message: String },
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// One repository in one registry.
#[derive(Debug, Clone)]
pub struct RegistrySource {
    client: Arc<Client>,
    repository: String,
    /// Fail a blob read whose bytes do not hash to the digest asked for (default).
    check_digests: bool,
}

impl RegistrySource {
    pub fn new(client: Arc<Client>, repository: impl Into<String>) -> Self {
        RegistrySource {
            client,
            repository: repository.into(),
            check_digests: true,
        }
    }

    /// For the inspector, which hashes every blob itself: a blob whose bytes differ from its
    /// digest is then read to its end and reported as a finding (DSC-004), like a changed
    /// blob in a layout, rather than as a read error. Lengths are still checked against
    /// `Content-Length`, so a truncated transfer stays an error.
    pub(crate) fn digests_checked_by_reader(mut self, on: bool) -> Self {
        self.check_digests = on;
        self
    }
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }
    pub(crate) fn repository(&self) -> &str {
        &self.repository
    }

    /// Fetch a manifest by tag or digest. By digest, the bytes must hash to it; by tag, a
    /// `Docker-Content-Digest` the registry sends must match the bytes.
    pub fn fetch_manifest(&self, target: &Target) -> Result<FetchedManifest, ManifestError> {
        let reference = target.to_string();
        let resp = self
            .client
            .manifest(Method::GET, &self.repository, &reference)?;
        if resp.status == 404 {
            return Err(ManifestError::NotFound(reference));
        }
        if resp.status != 200 {
            let summary = resp.summary();
            return Err(ManifestError::Invalid {
                reference,
                message: format!("{summary}: {}", resp.snippet()),
            });
        }
        let content_type = resp.content_type();
        let docker_content_digest = resp.header("docker-content-digest");
        let bytes = resp.bytes()?;
        let digest = match target {
            Target::Digest(d) => {
                let got = hash_as(d, &bytes);
                if &got != d {
                    return Err(ManifestError::Invalid {
                        reference,
                        message: format!("the registry served bytes that hash to {got}"),
                    });
                }
                got
            }
            Target::Tag(_) => {
                let algorithm = docker_content_digest
                    .as_deref()
                    .and_then(|d| Digest::parse(d).ok())
                    .map(|d| d.algorithm().to_string())
                    .unwrap_or_else(|| "sha256".into());
                let got = hash_with(&algorithm, &bytes);
                if let Some(h) = &docker_content_digest
                    && h != &got.to_string()
                {
                    return Err(ManifestError::Invalid {
                        reference,
                        message: format!("Docker-Content-Digest {h} but the bytes hash to {got}"),
                    });
                }
                got
            }
        };
        Ok(FetchedManifest {
            bytes,
            digest,
            content_type,
            docker_content_digest,
        })
    }
}

fn hash_with(algorithm: &str, bytes: &[u8]) -> Digest {
    match crate::digest::Hasher::new(algorithm) {
        Some(mut h) => {
            h.update(bytes);
            h.finish()
        }
        None => Digest::sha256_of(bytes),
    }
}

fn hash_as(d: &Digest, bytes: &[u8]) -> Digest {
    hash_with(d.algorithm(), bytes)
}

impl BlobSource for RegistrySource {
    fn describe(&self) -> String {
        let base = self.client.base();
        let host = super::config::host_port(base);
        self.client
            .redactor()
            .redact(&format!("{host}/{}", self.repository))
    }

    /// GET the blob (or, for a manifest digest, the manifest), verified while it streams: the
    /// reader fails at its end unless the bytes hash to `digest`.
    fn open_blob(&self, digest: &Digest) -> Result<Box<dyn Read + Send + '_>, BlobError> {
        let io = |message: String| BlobError::Io {
            digest: digest.to_string(),
            message,
        };
        let resp = self
            .client
            .blob(Method::GET, &self.repository, digest, true)
            .map_err(|e| io(e.to_string()))?;
        let resp = if resp.status == 404 {
            // Index children and referrers are manifests, which live under /manifests/.
            let m = self
                .client
                .manifest(Method::GET, &self.repository, &digest.to_string())
                .map_err(|e| io(e.to_string()))?;
            if m.status == 404 {
                return Err(BlobError::NotFound(digest.to_string()));
            }
            m
        } else {
            resp
        };
        if resp.status != 200 {
            let summary = resp.summary();
            return Err(io(summary));
        }
        let size = resp.content_length();
        let reader = resp
            .into_verifying_reader(digest)
            .ok_or_else(|| {
                io(format!(
                    "unsupported digest algorithm {}",
                    digest.algorithm()
                ))
            })?
            .with_size(size);
        let reader = if self.check_digests {
            reader
        } else {
            reader.without_digest_check()
        };
        Ok(Box::new(reader))
    }
}
