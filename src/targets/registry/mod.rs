//! The registry target: a blocking OCI distribution client, the registry as a
//! [`BlobSource`](crate::source::BlobSource) and referrers discovery. The `REG-0xx` suite that
//! judges a registry lives in [`crate::suites::registry`].
//!
//! - `config`: target configuration (JSON file + `AI_INTEROP_REGISTRY_*` environment).
//! - `client`: HTTP with auth, redirects, `Location` handling and streaming verification.
//! - `reference`: `<registry>/<repo>[:tag|@digest]`.
//! - `source`: `RegistrySource`, blobs streamed and verified on the fly.
//! - `referrers`: the referrers API first, the tag-schema fallback when it is absent.
//!
//! Credentials never leave the module in clear: every message passes [`crate::targets::redact`].

pub mod client;
pub mod config;
pub mod manifest;
pub mod reference;
pub mod referrers;
pub mod source;

use std::sync::Arc;

/// One artifact opened straight from a registry, for `ai-interop check <reference>`.
pub struct RemoteArtifact {
    pub reference: reference::Reference,
    /// Blobs of the repository, streamed and verified on the fly.
    pub source: source::RegistrySource,
    /// The manifest, exactly as served, verified against its digest.
    pub manifest: source::FetchedManifest,
    /// Attached signatures, SBOMs, provenance: by API, else by fallback tag.
    pub referrers: referrers::Referrers,
}

/// One manifest fetched from a registry, its referrers not yet looked up: what `unpack` judges
/// its destination by, then reads the blobs of (see [`RemoteManifest::with_referrers`]).
pub struct RemoteManifest {
    pub reference: reference::Reference,
    /// Blobs of the repository, streamed and verified on the fly.
    pub source: source::RegistrySource,
    /// The manifest, exactly as served, verified against its digest.
    pub manifest: source::FetchedManifest,
}

impl RemoteManifest {
    /// Look up what refers to the manifest: by API, else by fallback tag.
    pub fn with_referrers(self) -> Result<RemoteArtifact, OpenError> {
        let referrers = referrers::discover(&self.source, &self.manifest.digest, None)?;
        Ok(RemoteArtifact {
            reference: self.reference,
            source: self.source,
            manifest: self.manifest,
            referrers,
        })
    }
}

/// Why [`open`] failed: the reference, the client (its settings, the connection, referrers
/// discovery) or the manifest. Each shows as the error it wraps.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Reference(#[from] reference::ReferenceError),
    #[error(transparent)]
    Client(#[from] client::ClientError),
    #[error(transparent)]
    Manifest(#[from] source::ManifestError),
}

/// Open `<registry>/<repo>[:tag|@digest]`. `base` supplies credentials, TLS and timeouts;
/// its URL is replaced by the reference's registry (unless it already names the same host, in
/// which case its scheme is kept).
pub fn open(input: &str, base: &config::RegistryConfig) -> Result<RemoteArtifact, OpenError> {
    open_manifest(input, base)?.with_referrers()
}

/// [`open`] without the referrers: one manifest request.
pub fn open_manifest(
    input: &str,
    base: &config::RegistryConfig,
) -> Result<RemoteManifest, OpenError> {
    let reference = reference::Reference::parse(input)?;
    let mut cfg = base.clone();
    let same_host = base
        .base_url()
        .ok()
        .is_some_and(|u| config::host_port(&u) == reference.registry);
    if !same_host || reference.scheme.is_some() {
        cfg.url = reference.base_url();
    }
    cfg.read_only = true;
    let client = Arc::new(client::Client::new(&cfg)?);
    let source = source::RegistrySource::new(client, reference.repository.clone());
    let manifest = source.fetch_manifest(&reference.target_or_latest())?;
    Ok(RemoteManifest {
        reference,
        source,
        manifest,
    })
}
