//! OpenSSF model signing (OMS v1.0): the in-toto Statement its Sigstore bundle carries, and the
//! bridge from the manifest's raw layer digests to the per-file digests it signs. OMS defines no
//! OCI mapping; ours: a ModelPack `.raw` layer holds one uncompressed file, so its blob digest is
//! the SHA-256 of the file named by its filepath annotation, which OMS lists as a resource.

use super::cert;
use super::codec::{hex, unhex};
use super::failure::{SigFailure, Verification, breaks, req, undecided};
use super::inputs::TrustInputs;
use super::sigstore::bundle::{Bundle, Material};
use crate::vocabulary::{IN_TOTO_STATEMENT_V1, OMS_SIGNATURE_PREDICATE};
use serde_json::Value;
use sha2::Digest as _;

/// One signed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resource {
    /// A file path, or `path:start:end` for a shard.
    pub name: String,
    pub algorithm: String,
    /// Lowercase hex.
    pub digest: String,
}

/// One raw layer of the manifest: its filepath annotation and blob digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawLayer {
    pub index: usize,
    pub filepath: String,
    /// The descriptor's digest as written, e.g. `sha256:…`.
    pub digest: String,
}

fn bad(m: impl Into<String>) -> SigFailure {
    breaks(req::OMS_STATEMENT, m)
}

/// A canonical relative POSIX path: no leading `/` or `./`, no trailing `/`, no empty, `.` or
/// `..` segment.
pub(crate) fn canonical(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.ends_with('/')
        && name
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != "..")
}

/// The digest algorithms model_signing writes: per file sha256, blake2b (64 bytes) or blake3,
/// and per shard `<sha256|blake2b>-sharded-<shard size>`.
fn digest_fits(alg: &str, digest: &str) -> bool {
    let base = match alg.split_once("-sharded-") {
        Some((b, size)) if size.parse::<u64>().is_ok_and(|n| n > 0) => b,
        Some(_) => return false,
        None => alg,
    };
    let len = match base {
        "sha256" | "blake3" => 64,
        "blake2b" => 128,
        _ => return false,
    };
    digest.len() == len
        && digest
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// SIG-010: the Statement of an OMS bundle; its resources.
pub(crate) fn statement(st: &Value) -> Result<Vec<Resource>, SigFailure> {
    let pt = st.get("predicateType").and_then(Value::as_str);
    if pt != Some(OMS_SIGNATURE_PREDICATE) {
        return Err(bad(format!(
            "predicateType is {pt:?}, not {OMS_SIGNATURE_PREDICATE}"
        )));
    }
    let subjects = st
        .get("subject")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let [subject] = subjects else {
        return Err(bad(format!(
            "the Statement has {} subjects, not one",
            subjects.len()
        )));
    };
    if subject
        .get("name")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(bad("the subject has no name"));
    }
    let root = subject
        .pointer("/digest/sha256")
        .and_then(Value::as_str)
        .filter(|d| sha256_hex(d))
        .ok_or_else(|| bad("the subject has no lowercase-hex sha256 digest"))?;
    let p = st
        .get("predicate")
        .ok_or_else(|| bad("the Statement has no predicate"))?;
    let method = p.pointer("/serialization/method").and_then(Value::as_str);
    if !matches!(method, Some("files") | Some("shards")) {
        return Err(bad(format!(
            "serialization.method is {method:?}, not files or shards"
        )));
    }
    let list = p
        .get("resources")
        .and_then(Value::as_array)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| bad("predicate.resources is missing or empty"))?;
    let mut out: Vec<Resource> = Vec::with_capacity(list.len());
    for (i, r) in list.iter().enumerate() {
        let name = r.get("name").and_then(Value::as_str).unwrap_or_default();
        if !canonical(shard_of(name).unwrap_or(name)) {
            return Err(bad(format!(
                "resources[{i}].name {name:?} is not a canonical relative path"
            )));
        }
        if let Some(prev) = out.last()
            && order_key(&prev.name) >= order_key(name)
        {
            return Err(bad(format!(
                "resources are not sorted by path (segment by segment, then shard offset): {:?} comes before {name:?}",
                prev.name
            )));
        }
        let alg = r
            .get("algorithm")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let digest = r.get("digest").and_then(Value::as_str).unwrap_or_default();
        if !digest_fits(alg, digest) {
            return Err(bad(format!(
                "resources[{i}] ({name}) has no {alg:?} digest of the right length in lowercase hex (algorithms: sha256, blake2b, blake3, and <alg>-sharded-<size> for shards)"
            )));
        }
        out.push(Resource {
            name: name.to_string(),
            algorithm: alg.to_string(),
            digest: digest.to_string(),
        });
    }
    // The subject digest is the SHA-256 of the resource digests' bytes, in order.
    let mut h = sha2::Sha256::new();
    for r in &out {
        h.update(unhex(&r.digest).expect("checked hex"));
    }
    let computed = hex(&h.finalize());
    if computed != root {
        return Err(bad(format!(
            "the subject digest {root} is not the digest of the resources' digests ({computed})"
        )));
    }
    Ok(out)
}

/// The resources of a Statement that breaks another rule of SIG-010 (order, subject digest),
/// when every one still has a name and a digest of a known algorithm.
fn readable_resources(st: &Value) -> Option<Vec<Resource>> {
    let list = st.pointer("/predicate/resources")?.as_array()?;
    list.iter()
        .map(|r| {
            let field = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_string);
            let (name, algorithm, digest) = (field("name")?, field("algorithm")?, field("digest")?);
            digest_fits(&algorithm, &digest).then_some(Resource {
                name,
                algorithm,
                digest,
            })
        })
        .collect::<Option<Vec<_>>>()
        .filter(|r| !r.is_empty())
}

/// SIG-011: every raw layer is a signed file with the layer's digest.
pub(crate) fn bridge(resources: &[Resource], layers: &[RawLayer]) -> Result<(), SigFailure> {
    for l in layers {
        let want = l.digest.strip_prefix("sha256:").unwrap_or("");
        let signed = signed_sha256(resources, &l.filepath).map_err(|m| {
            undecided(
                req::OMS_BRIDGE,
                format!("layer {} ({}): {m}", l.index, l.filepath),
            )
        })?;
        match signed {
            None => {
                return Err(breaks(
                    req::OMS_BRIDGE,
                    format!(
                        "layer {} ({}) is not a signed file of the model signature",
                        l.index, l.filepath
                    ),
                ));
            }
            Some(d) if d != want => {
                return Err(breaks(
                    req::OMS_BRIDGE,
                    format!(
                        "layer {} ({}) has the digest {}, the model signature signs sha256:{d}",
                        l.index, l.filepath, l.digest
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// The SHA-256 of the whole file `path` as the signature states it: a `files` resource with a
/// sha256 digest, or a file signed as one shard from offset 0 with a sha256 shard digest (a
/// shard digest is the digest of the shard's bytes). `Ok(None)`: the file is not signed; `Err`:
/// it is signed in a way a layer's SHA-256 cannot be compared with (another algorithm, or
/// several shards) without reading the layer.
fn signed_sha256<'a>(resources: &'a [Resource], path: &str) -> Result<Option<&'a str>, String> {
    let mine: Vec<&Resource> = resources
        .iter()
        .filter(|r| r.name == path || shard_of(&r.name) == Some(path))
        .collect();
    match mine.as_slice() {
        [] => Ok(None),
        [r] if r.name == path && r.algorithm == "sha256" => Ok(Some(&r.digest)),
        [r] if r
            .name
            .strip_prefix(path)
            .is_some_and(|t| t.starts_with(":0:"))
            && r.algorithm.starts_with("sha256-sharded-") =>
        {
            Ok(Some(&r.digest))
        }
        [r] => Err(format!(
            "signed as {} with {}, which cannot be compared with the layer's SHA-256 without reading it",
            r.name, r.algorithm
        )),
        many => Err(format!(
            "signed as {} shards, which cannot be compared with the layer's SHA-256 without reading it",
            many.len()
        )),
    }
}

/// The order model_signing sorts resources in: by path segment by segment (so `a/b` comes
/// before `a.txt`), then a shard's start and end offsets, as numbers.
pub(crate) fn order_key(name: &str) -> (Vec<&str>, u64, u64) {
    let (path, start, end) = match shard_of(name) {
        Some(path) => {
            let mut p = name[path.len() + 1..].split(':');
            let n = |x: Option<&str>| x.and_then(|v| v.parse().ok()).unwrap_or(0);
            (path, n(p.next()), n(p.next()))
        }
        None => (name, 0, 0),
    };
    (path.split('/').collect(), start, end)
}

/// The file path of a shard name `path:start:end`.
fn shard_of(name: &str) -> Option<&str> {
    let mut parts = name.rsplitn(3, ':');
    let (end, start, path) = (parts.next()?, parts.next()?, parts.next()?);
    (start.parse::<u64>().is_ok() && end.parse::<u64>().is_ok()).then_some(path)
}

/// What the signed files are compared with (SIG-011).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Against<'a> {
    /// The raw layers of a manifest (the referrer path of `check`).
    Layers(&'a [RawLayer]),
    /// Every file of a model directory, serialized as the Statement says (`verify-bundle`).
    Files(&'a [Resource]),
}

/// SIG-010 and SIG-011 of a verified-or-not OMS bundle. The Statement's claims are only worth
/// judging once its signature verified (SIG-010 says so): while SIG-004 does not hold, both are
/// undecided, never `pass`. SIG-011 is judged whenever the listed files can be read at all.
pub(crate) fn judge(v: &mut Verification, st: &Value, against: Against<'_>) {
    let signed = v
        .results
        .iter()
        .any(|(r, f)| *r == req::SIGNATURE && f.is_none())
        && v.results
            .iter()
            .all(|(r, f)| *r != req::SIGNATURE || f.is_none());
    let resources = statement(st);
    if !signed {
        let why =
            "the model signature does not verify (SIG-004), so its Statement is not authenticated";
        match resources {
            Err(e) => v.broken(e),
            Ok(_) => v.broken(undecided(req::OMS_STATEMENT, why)),
        }
        v.broken(undecided(req::OMS_BRIDGE, why));
        return;
    }
    let listed = match resources {
        Ok(r) => {
            v.holds(req::OMS_STATEMENT);
            Some(r)
        }
        Err(e) => {
            v.broken(e);
            readable_resources(st)
        }
    };
    v.push(
        req::OMS_BRIDGE,
        match (listed, against) {
            (None, _) => Err(undecided(
                req::OMS_BRIDGE,
                "the model signature's resources cannot be read (SIG-010), so its files cannot be compared",
            )),
            (Some(r), Against::Layers(layers)) => bridge(&r, layers),
            (Some(r), Against::Files(files)) => same_files(&r, files),
        },
    );
}

/// SIG-011 against a model directory: exactly the signed files, each with its signed digest.
pub(crate) fn same_files(signed: &[Resource], present: &[Resource]) -> Result<(), SigFailure> {
    let fail = |m: String| Err(breaks(req::OMS_BRIDGE, m));
    for r in signed {
        match present.iter().find(|p| p.name == r.name) {
            None => return fail(format!("the signed file {} is missing", r.name)),
            Some(p) if p.algorithm != r.algorithm || p.digest != r.digest => {
                return fail(format!(
                    "{} has the {} digest {}, the model signature signs {}",
                    p.name, p.algorithm, p.digest, r.digest
                ));
            }
            Some(_) => {}
        }
    }
    match present
        .iter()
        .find(|p| !signed.iter().any(|r| r.name == p.name))
    {
        Some(p) => fail(format!("{} is not signed by the model signature", p.name)),
        None => Ok(()),
    }
}

/// The in-toto Statement a bundle's DSSE envelope carries, unverified: for choosing how to
/// serialize a directory before the verification that judges the same Statement.
pub(crate) fn peek_statement(bundle: &[u8]) -> Option<Value> {
    match Bundle::parse(bundle).ok()?.content {
        super::sigstore::bundle::Content::Dsse(env) => serde_json::from_slice(&env.payload).ok(),
        _ => None,
    }
}

/// Whether a bundle is an OMS signature made with a certificate of a private PKI (model_signing's
/// `certificate` flavour): certificate material and no transparency log entry. A keyless Sigstore
/// bundle always carries a log entry; one stripped of it cannot pass as private-PKI either, as its
/// Fulcio chain does not reach the policy's private CA.
pub(crate) fn is_private_pki(bundle: &Bundle) -> bool {
    matches!(bundle.material, Material::Certificates(_)) && bundle.tlog_entries.is_empty()
}

/// SIG-021 in place of the keyless rules (SIG-005, SIG-006, SIG-007, SIG-015, SIG-018, SIG-019), which a private-PKI
/// signature cannot meet by construction: the chain leads to a CA of the policy's
/// `omsCertificateChain`, every certificate valid at the leaf's notBefore (the signing time
/// model_signing verifies at), and the leaf may sign (key usage digitalSignature or extended key
/// usage codeSigning). SIG-004 (the signature verifies with the leaf's key) stays as found.
pub(crate) fn private_pki(v: &mut Verification, bundle: &Bundle, inputs: &TrustInputs) {
    let Material::Certificates(certs) = &bundle.material else {
        return;
    };
    // The Fulcio rules too: SCTs (SIG-018), the chain without its root (SIG-019: a private PKI's
    // bundle may carry its root; trust comes from the policy's anchors) and verified times
    // (SIG-015: the private-PKI flavour has no log entry and is judged at the leaf's notBefore).
    v.results.retain(|(r, _)| {
        ![
            req::CHAIN,
            req::IDENTITY,
            req::TLOG,
            req::SCT,
            req::NO_ROOT_IN_CHAIN,
            req::VERIFIED_TIME,
        ]
        .contains(r)
    });
    let leaf = cert::parse(&certs[0]);
    if let (Ok(leaf), Some(s)) = (&leaf, v.signer.as_mut()) {
        s.identity = format!("x509 {} (private PKI)", leaf.subject());
    }
    if inputs.oms_anchors.is_empty() {
        v.broken(undecided(
            req::OMS_CERT,
            "a model signature made with a private-PKI certificate needs that PKI's CA certificates (omsCertificateChain in the policy, --oms-certificate-chain)",
        ));
        return;
    }
    let anchors: Vec<Vec<u8>> = inputs.oms_anchors.iter().map(|a| a.value.clone()).collect();
    let result = match leaf {
        Err(e) => Err(format!("the signing certificate: {e}")),
        Ok(leaf) => {
            let at = leaf.validity().not_before.timestamp();
            cert::verify_chain(certs, &anchors, at, true)
                .map_err(|e| e.to_string())
                .and_then(|_| may_sign(&leaf))
        }
    };
    v.push(req::OMS_CERT, result.map_err(|m| breaks(req::OMS_CERT, m)));
}

/// Key usage digitalSignature, or extended key usage codeSigning.
fn may_sign(leaf: &x509_parser::certificate::X509Certificate<'_>) -> Result<(), String> {
    let ku = leaf
        .key_usage()
        .ok()
        .flatten()
        .is_some_and(|k| k.value.digital_signature());
    let eku = leaf
        .extended_key_usage()
        .ok()
        .flatten()
        .is_some_and(|k| k.value.code_signing);
    if ku || eku {
        Ok(())
    } else {
        Err(format!(
            "the signing certificate {} may not sign: no key usage digitalSignature and no extended key usage codeSigning",
            leaf.subject()
        ))
    }
}

/// An OMS Statement over `files` (name, SHA-256 hex), sorted as OMS requires. For fixtures.
pub(crate) fn make_statement(model_name: &str, files: &[(String, String)]) -> Value {
    let mut files = files.to_vec();
    files.sort_by(|a, b| order_key(&a.0).cmp(&order_key(&b.0)));
    let mut h = sha2::Sha256::new();
    for (_, d) in &files {
        h.update(unhex(d).expect("hex digest"));
    }
    serde_json::json!({
        "_type": IN_TOTO_STATEMENT_V1,
        "subject": [{"name": model_name, "digest": {"sha256": hex(&h.finalize())}}],
        "predicateType": OMS_SIGNATURE_PREDICATE,
        "predicate": {
            "serialization": {"method": "files", "hash_type": "sha256", "allow_symlinks": false, "ignore_paths": []},
            "resources": files.iter().map(|(n, d)| serde_json::json!({"name": n, "algorithm": "sha256", "digest": d})).collect::<Vec<_>>(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::OMS_DIGESTS_PREDICATE_V01;
    use serde_json::json;

    type Edit = Box<dyn Fn(&mut Value)>;

    fn d(c: char) -> String {
        c.to_string().repeat(64)
    }

    fn files() -> Vec<(String, String)> {
        vec![
            ("model.safetensors".into(), d('a')),
            ("README.md".into(), d('b')),
            ("sub/config.json".into(), d('c')),
        ]
    }

    #[test]
    fn a_made_statement_is_sorted_and_checks() {
        let st = make_statement("model", &files());
        let r = statement(&st).unwrap();
        assert_eq!(r[0].name, "README.md");
        let layers = [RawLayer {
            index: 0,
            filepath: "model.safetensors".into(),
            digest: format!("sha256:{}", d('a')),
        }];
        assert_eq!(bridge(&r, &layers), Ok(()));
    }

    #[test]
    fn statement_failures_break_sig_010() {
        let good = make_statement("model", &files());
        let edits: Vec<Edit> = vec![
            Box::new(|s| s["predicateType"] = json!(OMS_DIGESTS_PREDICATE_V01)),
            Box::new(|s| s["subject"] = json!([])),
            Box::new(|s| s["subject"][0]["name"] = json!("")),
            Box::new(|s| s["subject"][0]["digest"]["sha256"] = json!("AB")),
            Box::new(|s| s["subject"][0]["digest"]["sha256"] = json!(d('0'))),
            Box::new(|s| s["predicate"]["serialization"]["method"] = json!("tarball")),
            Box::new(|s| s["predicate"]["resources"] = json!([])),
            Box::new(|s| s["predicate"]["resources"][0]["name"] = json!("./README.md")),
            Box::new(|s| s["predicate"]["resources"][0]["name"] = json!("zzz")),
            Box::new(|s| s["predicate"]["resources"][1]["algorithm"] = json!("md5")),
            Box::new(|s| s["predicate"]["resources"][1]["digest"] = json!("x")),
            Box::new(|s| {
                s.as_object_mut().unwrap().remove("predicate");
            }),
        ];
        for (n, e) in edits.iter().enumerate() {
            let mut s = good.clone();
            e(&mut s);
            assert_eq!(
                statement(&s).unwrap_err().requirement(),
                "SIG-010",
                "edit {n}"
            );
        }
        // model_signing's order: segment by segment, shards by offset.
        let mut names = vec!["a.txt", "a/b", "big:16:24", "big:8:16", "big:0:8"];
        names.sort_by_key(|n| order_key(n));
        assert_eq!(names, ["a/b", "a.txt", "big:0:8", "big:8:16", "big:16:24"]);
        for bad in ["", "/a", "a/", "a//b", "./a", "a/../b", "."] {
            assert!(!canonical(bad), "{bad}");
        }
        assert!(canonical("a/b.c"));
    }

    #[test]
    fn bridge_failures_break_sig_011() {
        let r = statement(&make_statement("m", &files())).unwrap();
        let layer = |p: &str, c: char| RawLayer {
            index: 1,
            filepath: p.into(),
            digest: format!("sha256:{}", d(c)),
        };
        assert_eq!(
            bridge(&r, &[layer("model.safetensors", 'b')])
                .unwrap_err()
                .requirement(),
            "SIG-011"
        );
        assert_eq!(
            bridge(&r, &[layer("other.bin", 'a')])
                .unwrap_err()
                .requirement(),
            "SIG-011"
        );
    }
}
