//! Placeholder until the schemas branch lands: same API, no validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaKind {
    ModelpackConfig,
    FileMetadata,
    Annotations,
    Manifest,
    FixtureCase,
    Report,
}
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaViolation {
    pub instance_pointer: String,
    pub schema_pointer: String,
    pub message: String,
}
pub fn validate(_kind: SchemaKind, _value: &serde_json::Value) -> Vec<SchemaViolation> {
    Vec::new()
}
pub fn schemas_digest() -> crate::digest::Digest {
    crate::digest::Digest::sha256_of(b"placeholder")
}
impl SchemaKind {
    pub fn all() -> &'static [SchemaKind] {
        &[SchemaKind::Manifest]
    }
    pub fn name(self) -> &'static str {
        "manifest"
    }
    pub fn from_name(_n: &str) -> Option<SchemaKind> {
        Some(SchemaKind::Manifest)
    }
}
