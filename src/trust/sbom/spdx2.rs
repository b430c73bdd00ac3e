//! SPDX 2.3 JSON: the root is what `SPDXRef-DOCUMENT` describes (`documentDescribes` or a
//! `DESCRIBES` relationship); hashes are `checksums`; the artifact's purl is an `externalRefs`
//! entry of type `purl`.

use super::{Hash, LicenceField, SbomFacts, array_at, oci_purl_digest, str_at};
use serde_json::Value;

const DOCUMENT: &str = "SPDXRef-DOCUMENT";

pub fn read(doc: &Value) -> SbomFacts {
    let mut described: Vec<&str> = array_at(doc, "documentDescribes")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for r in array_at(doc, "relationships") {
        if str_at(r, "spdxElementId") == Some(DOCUMENT)
            && str_at(r, "relationshipType") == Some("DESCRIBES")
            && let Some(to) = str_at(r, "relatedSpdxElement")
        {
            described.push(to);
        }
    }
    let mut facts = SbomFacts::default();
    for (section, licence_keys) in [
        ("packages", &["licenseConcluded", "licenseDeclared"][..]),
        ("files", &["licenseConcluded"][..]),
    ] {
        for (i, element) in array_at(doc, section).iter().enumerate() {
            let pointer = format!("/{section}/{i}");
            let hashes: Vec<Hash> = array_at(element, "checksums")
                .iter()
                .filter_map(|c| {
                    Some(Hash::new(
                        str_at(c, "algorithm")?,
                        str_at(c, "checksumValue")?,
                    ))
                })
                .collect();
            for key in licence_keys {
                if let Some(e) = str_at(element, key) {
                    facts.licences.push(LicenceField {
                        pointer: format!("{pointer}/{key}"),
                        expression: e.to_string(),
                    });
                }
            }
            let is_root = str_at(element, "SPDXID").is_some_and(|id| described.contains(&id));
            if is_root {
                facts.root_digests.extend(hashes.iter().cloned());
                facts.root_digests.extend(
                    array_at(element, "externalRefs")
                        .iter()
                        .filter(|r| str_at(r, "referenceType") == Some("purl"))
                        .filter_map(|r| oci_purl_digest(str_at(r, "referenceLocator")?)),
                );
                if facts.declared.is_none()
                    && let Some(e) = str_at(element, "licenseDeclared")
                {
                    facts.declared = Some(LicenceField {
                        pointer: format!("{pointer}/licenseDeclared"),
                        expression: e.to_string(),
                    });
                }
                facts.roots.push(pointer);
            }
            facts.hashes.extend(hashes);
        }
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_root_hashes_purl_and_licences() {
        let doc = json!({
            "SPDXID": "SPDXRef-DOCUMENT",
            "documentDescribes": ["SPDXRef-Model"],
            "packages": [
                {"SPDXID": "SPDXRef-Model", "name": "m", "downloadLocation": "NOASSERTION",
                 "licenseDeclared": "Apache-2.0", "licenseConcluded": "NOASSERTION",
                 "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                   "referenceLocator": "pkg:oci/m@sha256%3A0a0b"}]},
                {"SPDXID": "SPDXRef-Other", "name": "o", "downloadLocation": "NOASSERTION",
                 "checksums": [{"algorithm": "SHA256", "checksumValue": "0c"}]}
            ],
            "files": [{"SPDXID": "SPDXRef-F", "fileName": "w", "licenseConcluded": "MIT",
                       "checksums": [{"algorithm": "SHA512", "checksumValue": "0D"}]}]
        });
        let f = read(&doc);
        assert_eq!(f.roots, vec!["/packages/0"]);
        assert!(f.root_digests.contains(&Hash::new("sha256", "0a0b")));
        assert!(!f.root_digests.contains(&Hash::new("sha256", "0c")));
        assert!(f.hashes.contains(&Hash::new("sha256", "0c")));
        assert!(f.hashes.contains(&Hash::new("sha512", "0d")));
        assert_eq!(f.declared.unwrap().pointer, "/packages/0/licenseDeclared");
        assert_eq!(f.licences.len(), 3);
    }

    #[test]
    fn describes_relationship_names_the_root() {
        let doc = json!({
            "relationships": [{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                               "relatedSpdxElement": "SPDXRef-A"}],
            "packages": [{"SPDXID": "SPDXRef-A",
                          "checksums": [{"algorithm": "SHA256", "checksumValue": "aa"}]}]
        });
        let f = read(&doc);
        assert_eq!(f.roots, vec!["/packages/0"]);
        assert!(f.root_digests.contains(&Hash::new("sha256", "aa")));
        // Garbage finds nothing and does not panic.
        assert_eq!(read(&json!([1, 2])), SbomFacts::default());
        assert_eq!(
            read(&json!({"packages": "x", "files": [1]})),
            SbomFacts::default()
        );
    }
}
