//! Where bytes come from. Every target (an OCI image layout today, a registry or an adapter
//! tomorrow) hands blobs to the inspector through this one interface, so checks never know
//! which target they run against.

use crate::digest::Digest;
use std::io::Read;

/// Why a blob could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlobError {
    #[error("blob {0} is not present in the target")]
    NotFound(String),
    #[error("blob {digest} could not be read: {message}")]
    Io { digest: String, message: String },
    /// A layout blob stored as a symbolic link that resolves outside the layout (OCI-004).
    #[error("blob {digest} is a symbolic link to {link}, outside the layout; not followed")]
    OutsideLayout { digest: String, link: String },
}

/// A content-addressed store of blobs.
pub trait BlobSource: Sync {
    /// A name for the target that is safe to print: never a credential.
    fn describe(&self) -> String;

    /// Open the blob stored under `digest`, yielding its exact stored bytes.
    fn open_blob(&self, digest: &Digest) -> Result<Box<dyn Read + Send + '_>, BlobError>;
}

/// Open the blob a descriptor of `size` bytes names: the reader ends after `size + 1` bytes,
/// which tells a longer blob from a right one (a size and digest finding) without reading the
/// rest — a registry may answer a descriptor of a kilobyte with gigabytes.
pub(crate) fn open_described<'a>(
    source: &'a dyn BlobSource,
    digest: &Digest,
    size: Option<u64>,
) -> Result<Box<dyn Read + Send + 'a>, BlobError> {
    let reader = source.open_blob(digest)?;
    Ok(match size {
        Some(size) => Box::new(reader.take(size.saturating_add(1))),
        None => reader,
    })
}
