//! Embedded JSON Schemas (placeholder: filled by the schemas work).
