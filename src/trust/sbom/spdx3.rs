//! SPDX 3.0.1 JSON-LD: elements live in `@graph`; the root is the `SpdxDocument`'s
//! `rootElement` (through an `software_Sbom` when the document wraps one); hashes are
//! `verifiedUsing` entries of type `Hash`; the declared licence is the
//! `simplelicensing_LicenseExpression` a `hasDeclaredLicense` relationship points at.

use super::{Hash, LicenceField, SbomFacts, array_at, oci_purl_digest, str_at};
use serde_json::Value;
use std::collections::BTreeMap;

const BOM_TYPES: &[&str] = &["software_Sbom", "Bom"];

pub fn read(doc: &Value) -> SbomFacts {
    let graph = array_at(doc, "@graph");
    let by_id: BTreeMap<&str, (usize, &Value)> = graph
        .iter()
        .enumerate()
        .filter_map(|(i, n)| Some((str_at(n, "spdxId")?, (i, n))))
        .collect();
    let type_of = |n: &Value| str_at(n, "type").unwrap_or_default().to_string();

    // The root elements: the document's, with one level of Sbom/Bom wrapping unwrapped.
    let mut root_ids: Vec<&str> = Vec::new();
    for n in graph.iter().filter(|n| type_of(n) == "SpdxDocument") {
        for id in array_at(n, "rootElement").iter().filter_map(Value::as_str) {
            match by_id.get(id) {
                Some((_, el)) if BOM_TYPES.contains(&type_of(el).as_str()) => {
                    root_ids.extend(array_at(el, "rootElement").iter().filter_map(Value::as_str))
                }
                _ => root_ids.push(id),
            }
        }
    }

    let mut facts = SbomFacts::default();
    for (i, n) in graph.iter().enumerate() {
        let hashes: Vec<Hash> = array_at(n, "verifiedUsing")
            .iter()
            .filter(|h| str_at(h, "type") == Some("Hash"))
            .filter_map(|h| Some(Hash::new(str_at(h, "algorithm")?, str_at(h, "hashValue")?)))
            .collect();
        if type_of(n) == "simplelicensing_LicenseExpression"
            && let Some(e) = str_at(n, "simplelicensing_licenseExpression")
        {
            facts.licences.push(LicenceField {
                pointer: format!("/@graph/{i}/simplelicensing_licenseExpression"),
                expression: e.to_string(),
            });
        }
        if str_at(n, "spdxId").is_some_and(|id| root_ids.contains(&id)) {
            facts.roots.push(format!("/@graph/{i}"));
            facts.root_digests.extend(hashes.iter().cloned());
            if let Some(h) = str_at(n, "software_packageUrl").and_then(oci_purl_digest) {
                facts.root_digests.insert(h);
            }
        }
        facts.hashes.extend(hashes);
    }

    // The declared licence of the first root that has one.
    facts.declared = graph
        .iter()
        .filter(|n| type_of(n) == "Relationship")
        .filter(|r| str_at(r, "relationshipType") == Some("hasDeclaredLicense"))
        .filter(|r| str_at(r, "from").is_some_and(|f| root_ids.contains(&f)))
        .flat_map(|r| array_at(r, "to").iter().filter_map(Value::as_str))
        .find_map(|to| {
            let (i, el) = by_id.get(to)?;
            Some(LicenceField {
                pointer: format!("/@graph/{i}/simplelicensing_licenseExpression"),
                expression: str_at(el, "simplelicensing_licenseExpression")?.to_string(),
            })
        });
    facts
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_through_an_sbom_element() {
        let doc = json!({"@graph": [
            {"type": "SpdxDocument", "spdxId": "urn:d", "rootElement": ["urn:sbom"]},
            {"type": "software_Sbom", "spdxId": "urn:sbom", "rootElement": ["urn:model"]},
            {"type": "ai_AIPackage", "spdxId": "urn:model",
             "software_packageUrl": "pkg:oci/m@sha256%3Aaa",
             "verifiedUsing": [{"type": "Hash", "algorithm": "sha256", "hashValue": "bb"}]},
            {"type": "software_File", "spdxId": "urn:f",
             "verifiedUsing": [{"type": "Hash", "algorithm": "sha256", "hashValue": "cc"},
                               {"type": "PackageVerificationCode", "algorithm": "sha1", "hashValue": "dd"}]},
            {"type": "simplelicensing_LicenseExpression", "spdxId": "urn:l",
             "simplelicensing_licenseExpression": "Apache-2.0"},
            {"type": "Relationship", "spdxId": "urn:r", "from": "urn:model",
             "relationshipType": "hasDeclaredLicense", "to": ["urn:l"]}
        ]});
        let f = read(&doc);
        assert_eq!(f.roots, vec!["/@graph/2"]);
        assert!(f.root_digests.contains(&Hash::new("sha256", "aa")));
        assert!(f.root_digests.contains(&Hash::new("sha256", "bb")));
        assert!(f.hashes.contains(&Hash::new("sha256", "cc")));
        assert!(!f.hashes.contains(&Hash::new("sha1", "dd")));
        assert_eq!(f.licences.len(), 1);
        assert_eq!(f.declared.unwrap().expression, "Apache-2.0");
    }

    #[test]
    fn garbage_finds_nothing() {
        assert_eq!(
            read(&json!({"@graph": [1, "x", null]})),
            SbomFacts::default()
        );
        assert_eq!(read(&json!("x")), SbomFacts::default());
    }
}
