//! CycloneDX 1.5/1.6 JSON: the root is `metadata.component`; hashes are `hashes[]` of every
//! component (nested components included); licences are `licenses[]` entries, either one
//! `expression` or a list of `license.id`s (which together mean all of them).

use super::{Hash, LicenceField, SbomFacts, array_at, oci_purl_digest, str_at};
use serde_json::Value;

/// Components nest; this bound keeps a hostile document from recursing without end (serde_json
/// already refuses documents nested deeper than 128, so it is never reached by parsed input).
const MAX_DEPTH: usize = 64;

pub fn read(doc: &Value) -> SbomFacts {
    let mut facts = SbomFacts::default();
    if let Some(root) = doc.get("metadata").and_then(|m| m.get("component")) {
        let pointer = "/metadata/component".to_string();
        facts.root_digests.extend(hashes(root));
        if let Some(h) = str_at(root, "purl").and_then(oci_purl_digest) {
            facts.root_digests.insert(h);
        }
        facts.declared = declared(root, &pointer);
        visit(root, &pointer, 0, &mut facts);
        facts.roots.push(pointer);
    }
    for (i, c) in array_at(doc, "components").iter().enumerate() {
        visit(c, &format!("/components/{i}"), 0, &mut facts);
    }
    facts
}

fn hashes(component: &Value) -> Vec<Hash> {
    array_at(component, "hashes")
        .iter()
        .filter_map(|h| Some(Hash::new(str_at(h, "alg")?, str_at(h, "content")?)))
        .collect()
}

fn visit(component: &Value, pointer: &str, depth: usize, facts: &mut SbomFacts) {
    if depth > MAX_DEPTH {
        return;
    }
    facts.hashes.extend(hashes(component));
    for (i, l) in array_at(component, "licenses").iter().enumerate() {
        if let Some(e) = str_at(l, "expression") {
            facts.licences.push(LicenceField {
                pointer: format!("{pointer}/licenses/{i}/expression"),
                expression: e.to_string(),
            });
        }
        if let Some(id) = l.get("license").and_then(|l| str_at(l, "id")) {
            facts.licences.push(LicenceField {
                pointer: format!("{pointer}/licenses/{i}/license/id"),
                expression: id.to_string(),
            });
        }
    }
    for (i, c) in array_at(component, "components").iter().enumerate() {
        visit(c, &format!("{pointer}/components/{i}"), depth + 1, facts);
    }
}

/// The root's licence as one expression: the `expression`, or the listed IDs joined by AND.
fn declared(root: &Value, pointer: &str) -> Option<LicenceField> {
    let licences = array_at(root, "licenses");
    if let Some(e) = licences.first().and_then(|l| str_at(l, "expression")) {
        return Some(LicenceField {
            pointer: format!("{pointer}/licenses/0/expression"),
            expression: e.to_string(),
        });
    }
    let ids: Vec<&str> = licences
        .iter()
        .filter_map(|l| l.get("license").and_then(|l| str_at(l, "id")))
        .collect();
    (!ids.is_empty()).then(|| LicenceField {
        pointer: format!("{pointer}/licenses"),
        expression: ids.join(" AND "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_metadata_component_and_nested_components() {
        let doc = json!({
            "metadata": {"component": {"type": "machine-learning-model", "name": "m",
                "purl": "pkg:oci/m@sha256%3Aaa", "licenses": [{"license": {"id": "MIT"}}, {"license": {"id": "Apache-2.0"}}]}},
            "components": [{"type": "file", "name": "w",
                "hashes": [{"alg": "SHA-256", "content": "BB"}],
                "licenses": [{"expression": "MIT OR Apache-2.0"}],
                "components": [{"type": "file", "name": "x", "hashes": [{"alg": "SHA-512", "content": "cc"}]}]}]
        });
        let f = read(&doc);
        assert_eq!(f.roots, vec!["/metadata/component"]);
        assert!(f.root_digests.contains(&Hash::new("sha256", "aa")));
        assert!(f.hashes.contains(&Hash::new("sha256", "bb")));
        assert!(f.hashes.contains(&Hash::new("sha512", "cc")));
        assert_eq!(f.declared.unwrap().expression, "MIT AND Apache-2.0");
        assert_eq!(f.licences.len(), 3);
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let mut c = json!({"type": "file", "name": "leaf"});
        for _ in 0..200 {
            c = json!({"type": "file", "name": "n", "components": [c]});
        }
        let f = read(&json!({"components": [c]}));
        assert!(f.hashes.is_empty());
        assert_eq!(read(&json!(null)), SbomFacts::default());
    }
}
