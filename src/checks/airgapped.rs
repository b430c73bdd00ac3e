//! AIR: evidence travels with the artifact and verifies offline (`spec/v1.0/airgapped.md`).
//! Strict like every evidence check: each requirement is marked after looking.

use super::evidence::facts;
use super::{Check, CheckContext, Marks};
use crate::evidence::Referrer;
use crate::model::Location;
use crate::vocabulary::SIGSTORE_BUNDLE_PREFIX;
use serde_json::Value;

pub(crate) const CHECKS: &[Check] = &[
    Check {
        id: "airgapped.referrers",
        title: "Referrers carry no remote locations and are stored whole",
        covers: &["AIR-001", "AIR-002"],
        run: referrers,
    },
    Check {
        id: "airgapped.sigstore",
        title: "Sigstore bundles verify without an online transparency log",
        covers: &["AIR-003"],
        run: sigstore,
    },
];

fn at(r: &Referrer, pointer: &str) -> Location {
    Location::document(&format!("referrer {}", r.digest)).with_pointer(pointer)
}

fn referrers(a: &CheckContext, m: &mut Marks) {
    m.strict();
    let Some(facts) = facts(a, m, &["AIR-001", "AIR-002"]) else {
        return;
    };
    for r in &facts.referrers {
        if r.descriptor.get("urls").is_some() {
            m.fail(
                "AIR-001",
                Location::document(&format!("{} in {}", r.digest, r.via.describe())),
                "the referrer's descriptor carries `urls`: it points at a remote location",
            );
        }
        let Ok(json) = &r.manifest.json else {
            continue;
        };
        let mut descriptors: Vec<(String, &Value)> = Vec::new();
        if let Some(c) = json.get("config") {
            descriptors.push(("/config".into(), c));
        }
        for (i, l) in json
            .get("layers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            descriptors.push((format!("/layers/{i}"), l));
        }
        for (pointer, d) in descriptors {
            if let Some(urls) = d.get("urls") {
                m.fail(
                    "AIR-001",
                    at(r, &format!("{pointer}/urls")),
                    format!(
                        "the descriptor carries urls {urls}: an air-gapped site cannot reach them; \
                         store the blob in the target and drop `urls`"
                    ),
                );
            }
        }
        for b in &r.blobs {
            if let Err(e) = &b.content {
                m.fail(
                    "AIR-002",
                    at(r, &format!("/layers/{}", b.index)),
                    format!(
                        "the {} blob {} is not usable from the target: {e}",
                        b.media_type, b.digest
                    ),
                );
            }
        }
    }
    m.pass("AIR-001");
    m.pass("AIR-002");
}

fn sigstore(a: &CheckContext, m: &mut Marks) {
    m.strict();
    let Some(facts) = facts(a, m, &["AIR-003"]) else {
        return;
    };
    let mut bundles = 0;
    for r in &facts.referrers {
        for b in &r.blobs {
            if !b.media_type.starts_with(SIGSTORE_BUNDLE_PREFIX) {
                continue;
            }
            let Ok(Ok(bundle)) = b.content.as_ref().map(|d| d.json.as_ref()) else {
                // An unreadable bundle is AIR-002's (and the signature family's) finding.
                continue;
            };
            bundles += 1;
            let entries = bundle
                .pointer("/verificationMaterial/tlogEntries")
                .and_then(Value::as_array);
            for (i, e) in entries.into_iter().flatten().enumerate() {
                let proof = e.get("inclusionProof");
                let checkpoint = proof
                    .and_then(|p| p.pointer("/checkpoint/envelope"))
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty());
                if proof.is_none() || !checkpoint {
                    let log = e
                        .get("logIndex")
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| "?".into());
                    m.fail(
                        "AIR-003",
                        at(
                            r,
                            &format!("/layers/{}/verificationMaterial/tlogEntries/{i}", b.index),
                        ),
                        format!(
                            "transparency log entry {log} has no inclusion proof with a \
                             checkpoint: verifying it would need the transparency log online"
                        ),
                    );
                }
            }
        }
    }
    if bundles == 0 {
        m.not_applicable("AIR-003", "no Sigstore bundle is attached");
    } else {
        m.pass("AIR-003");
    }
}
