//! SBOM verification (spec/v1.0/sbom.md): pure functions from a parsed SBOM document and the
//! artifact's digests to what is wrong with it. Each format has a reader that turns the document
//! into format-neutral [`SbomFacts`]; the judgments are then the same for every format.

pub mod cyclonedx;
pub(crate) mod spdx2;
pub(crate) mod spdx3;

use crate::digest::Digest;
use crate::schemas::{self, SchemaKind, SchemaViolation};
use crate::vocabulary::{CYCLONEDX_JSON, IMAGE_LICENSES, SPDX_JSON, SPDX3_JSON};
use serde_json::Value;
use std::collections::BTreeSet;

/// The SBOM formats the profile accepts, by media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Spdx23,
    Spdx301,
    CycloneDx,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Spdx23, Format::Spdx301, Format::CycloneDx];

    /// The format of a referrer's `artifactType` or a layer's media type; parameters (such as
    /// CycloneDX's `; version=1.6`) are not part of the profile's media types.
    pub(crate) fn from_media_type(media_type: &str) -> Option<Format> {
        Format::ALL
            .into_iter()
            .find(|f| f.media_type() == media_type)
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Format::Spdx23 => SPDX_JSON,
            Format::Spdx301 => SPDX3_JSON,
            Format::CycloneDx => CYCLONEDX_JSON,
        }
    }

    /// The value of `org.cncf.ai.security.sbom.format` that names this format.
    pub(crate) fn annotation_value(self) -> &'static str {
        match self {
            Format::Spdx23 | Format::Spdx301 => "spdx",
            Format::CycloneDx => "cyclonedx",
        }
    }

    pub fn schema(self) -> SchemaKind {
        match self {
            Format::Spdx23 => SchemaKind::Spdx23,
            Format::Spdx301 => SchemaKind::Spdx301,
            Format::CycloneDx => SchemaKind::Cyclonedx16,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Spdx23 => "SPDX 2.3",
            Format::Spdx301 => "SPDX 3.0.1",
            Format::CycloneDx => "CycloneDX",
        }
    }

    /// Read the format-neutral facts. Call only on a document valid against [`Format::schema`];
    /// on anything else the reader still never panics, it just finds less.
    pub fn read(self, doc: &Value) -> SbomFacts {
        match self {
            Format::Spdx23 => spdx2::read(doc),
            Format::Spdx301 => spdx3::read(doc),
            Format::CycloneDx => cyclonedx::read(doc),
        }
    }
}

/// One hash an SBOM element carries: algorithm in OCI spelling (`sha256`, `sha512`) or the
/// format's own spelling lowercased for others, and the value in lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hash {
    pub algorithm: String,
    pub hex: String,
}

impl Hash {
    pub fn new(algorithm: &str, hex: &str) -> Hash {
        Hash {
            algorithm: normalize_algorithm(algorithm),
            hex: hex.to_ascii_lowercase(),
        }
    }

    pub fn of(d: &Digest) -> Hash {
        Hash::new(d.algorithm(), d.encoded())
    }
}

/// `SHA256`, `SHA-256`, `sha256` → `sha256`; likewise for SHA-512. Other names are lowercased.
pub(crate) fn normalize_algorithm(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "sha256" | "sha-256" => "sha256".into(),
        "sha512" | "sha-512" => "sha512".into(),
        _ => lower,
    }
}

/// A licence field of the SBOM: where it is and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenceField {
    /// JSON pointer into the SBOM document.
    pub pointer: String,
    pub expression: String,
}

/// What an SBOM says about the artifact, whatever its format.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SbomFacts {
    /// JSON pointers of the root elements found (empty: the document names no root).
    pub roots: Vec<String>,
    /// Digests the root elements carry, as hashes and as `pkg:oci` purl versions.
    pub root_digests: BTreeSet<Hash>,
    /// Every hash any element of the document carries.
    pub hashes: BTreeSet<Hash>,
    /// Every licence expression field.
    pub licences: Vec<LicenceField>,
    /// The licence the document declares for its root element, if any.
    pub declared: Option<LicenceField>,
}

/// The digest in a `pkg:oci/<name>@<alg>%3A<hex>?…` package URL.
pub(crate) fn oci_purl_digest(purl: &str) -> Option<Hash> {
    let rest = purl.strip_prefix("pkg:oci/")?;
    let version = rest.split(['?', '#']).next()?.rsplit_once('@')?.1;
    let version = version.replace("%3A", ":").replace("%3a", ":");
    let (alg, hex) = version.split_once(':')?;
    Some(Hash::new(alg, hex))
}

/// The document against its format's schema (SBM-002); empty means valid.
pub fn validate(format: Format, doc: &Value) -> Vec<SchemaViolation> {
    schemas::validate(format.schema(), doc)
}

/// SBM-003: the root element carries the manifest digest. `Err` says what the root carries.
pub(crate) fn names_artifact(facts: &SbomFacts, manifest: &Digest) -> Result<(), String> {
    if facts.roots.is_empty() {
        return Err("the SBOM names no root element".into());
    }
    if facts.root_digests.contains(&Hash::of(manifest)) {
        return Ok(());
    }
    if facts.root_digests.is_empty() {
        return Err(format!(
            "the root element ({}) carries no digest; expected the manifest digest {manifest}",
            facts.roots.join(", ")
        ));
    }
    let found: Vec<String> = facts
        .root_digests
        .iter()
        .map(|h| format!("{}:{}", h.algorithm, h.hex))
        .collect();
    Err(format!(
        "the root element names {}, not the manifest digest {manifest}",
        found.join(", ")
    ))
}

/// SBM-004: the layers (index, descriptor digest) whose digest no element carries.
pub(crate) fn uncovered_layers<'a>(
    facts: &SbomFacts,
    layers: &'a [(usize, Digest)],
) -> Vec<&'a (usize, Digest)> {
    layers
        .iter()
        .filter(|(_, d)| !facts.hashes.contains(&Hash::of(d)))
        .collect()
}

/// SBM-005: licence fields that are not valid SPDX expressions, with why. `NOASSERTION` and
/// `NONE` are SPDX 2.3's "unknown" and "no licence" and are accepted.
pub(crate) fn invalid_licences(facts: &SbomFacts) -> Vec<(&LicenceField, String)> {
    facts
        .licences
        .iter()
        .filter(|l| !matches!(l.expression.as_str(), "NOASSERTION" | "NONE"))
        .filter_map(|l| {
            spdx::Expression::parse(&l.expression)
                .err()
                .map(|e| (l, e.reason.to_string()))
        })
        .collect()
}

/// SBM-006: the licence the SBOM declares for the artifact agrees with the annotation's.
pub(crate) fn licence_agrees(facts: &SbomFacts, annotation: &str) -> Result<(), String> {
    let declared = facts
        .declared
        .as_ref()
        .ok_or("the SBOM declares no licence for the artifact (root element)")?;
    let ours = spdx::Expression::parse(annotation).map_err(|e| {
        format!(
            "{IMAGE_LICENSES} {annotation:?} is not an SPDX expression: {}",
            e.reason
        )
    })?;
    let theirs = spdx::Expression::parse(&declared.expression).map_err(|e| {
        format!(
            "the declared licence {:?} at {} is not an SPDX expression: {}",
            declared.expression, declared.pointer, e.reason
        )
    })?;
    if ours == theirs {
        Ok(())
    } else {
        Err(format!(
            "the SBOM declares {:?} for the artifact (at {}), the manifest says {annotation:?}",
            declared.expression, declared.pointer
        ))
    }
}

/// Read a string field.
pub(crate) fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The elements of an array field (empty when absent or not an array).
pub(crate) fn array_at<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(hex_char: char) -> Digest {
        Digest::parse(&format!("sha256:{}", hex_char.to_string().repeat(64))).unwrap()
    }

    #[test]
    fn purl_digest() {
        let h =
            oci_purl_digest("pkg:oci/tiny@sha256%3AABCD?repository_url=example.org/ns/tiny&tag=v1")
                .unwrap();
        assert_eq!(h, Hash::new("sha256", "abcd"));
        assert_eq!(oci_purl_digest("pkg:npm/x@1.0"), None);
        assert_eq!(oci_purl_digest("pkg:oci/x"), None);
        assert_eq!(oci_purl_digest("pkg:oci/x@latest"), None);
    }

    #[test]
    fn algorithms_are_normalized() {
        assert_eq!(Hash::new("SHA-256", "AB"), Hash::new("sha256", "ab"));
        assert_eq!(Hash::new("SHA512", "ab"), Hash::new("sha-512", "ab"));
        assert_ne!(Hash::new("SHA3-256", "ab"), Hash::new("sha256", "ab"));
    }

    #[test]
    fn root_digest_judgments() {
        let mut f = SbomFacts::default();
        assert!(names_artifact(&f, &d('a')).unwrap_err().contains("no root"));
        f.roots.push("/packages/0".into());
        assert!(
            names_artifact(&f, &d('a'))
                .unwrap_err()
                .contains("no digest")
        );
        f.root_digests.insert(Hash::of(&d('b')));
        let e = names_artifact(&f, &d('a')).unwrap_err();
        assert!(e.contains("bbbb") && e.contains("aaaa"), "{e}");
        f.root_digests.insert(Hash::of(&d('a')));
        assert_eq!(names_artifact(&f, &d('a')), Ok(()));
    }

    #[test]
    fn coverage_names_the_missing_layer() {
        let mut f = SbomFacts::default();
        f.hashes.insert(Hash::of(&d('a')));
        let layers = vec![(0, d('a')), (1, d('b'))];
        let missing = uncovered_layers(&f, &layers);
        assert_eq!(missing, vec![&(1, d('b'))]);
        // A sha512 layer is not covered by a sha256 hash with the same hex.
        let d512 = Digest::parse(&format!("sha512:{}", "a".repeat(128))).unwrap();
        f.hashes.insert(Hash::new("sha256", &"a".repeat(128)));
        assert_eq!(uncovered_layers(&f, &[(0, d512.clone())]).len(), 1);
        f.hashes.insert(Hash::of(&d512));
        assert!(uncovered_layers(&f, &[(0, d512)]).is_empty());
    }

    #[test]
    fn licence_judgments() {
        let field = |e: &str| LicenceField {
            pointer: "/x".into(),
            expression: e.into(),
        };
        let mut f = SbomFacts {
            licences: vec![
                field("Apache-2.0"),
                field("NOASSERTION"),
                field("NONE"),
                field("MIT OR Apache-2.0 WITH LLVM-exception"),
                field("LicenseRef-Tiny"),
                field("Apache 2"),
                field("GPL-2.0"),
            ],
            ..Default::default()
        };
        let bad: Vec<&str> = invalid_licences(&f)
            .into_iter()
            .map(|(l, _)| l.expression.as_str())
            .collect();
        assert_eq!(bad, vec!["Apache 2", "GPL-2.0"]);

        assert!(
            licence_agrees(&f, "MIT")
                .unwrap_err()
                .contains("declares no licence")
        );
        f.declared = Some(field("MIT  AND (Apache-2.0 or BSD-3-Clause)"));
        assert_eq!(
            licence_agrees(&f, "MIT AND (Apache-2.0 OR BSD-3-Clause)"),
            Ok(())
        );
        assert!(
            licence_agrees(&f, "MIT")
                .unwrap_err()
                .contains("manifest says")
        );
        assert!(licence_agrees(&f, "not a licence").is_err());
        f.declared = Some(field("Apache 2"));
        assert!(
            licence_agrees(&f, "MIT")
                .unwrap_err()
                .contains("not an SPDX")
        );
    }
}
