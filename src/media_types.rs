//! The OCI media types every layer names: targets read documents by them, checks judge them.
//! They live here, below both, so that a target never imports a check to know what a manifest is.

/// An OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// An OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// The OCI 1.1 empty descriptor (`{}`), the config of an artifact manifest.
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
