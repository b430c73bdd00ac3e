//! Manifests: round trip, subjects that do not exist yet, error bodies, delete.

use super::*;
use crate::vocabulary::{JSON, PROBE_DELETE, SIGSTORE_BUNDLE_V03};

pub(super) fn manifest_roundtrip(ctx: &mut Ctx, m: &mut Marks) {
    let subject = if ctx.cfg.read_only {
        ctx.subject.clone()
    } else {
        let model = golden::model(&ctx.salt);
        let tag = "model";
        match push_model(ctx, &model, tag) {
            Err(e) => {
                m.error(
                    "REG-001",
                    loc("manifest"),
                    format!("could not push the model: {e}"),
                );
                Err(e)
            }
            Ok(resp) if resp.status != 201 => {
                let s = resp.summary();
                let e = format!("manifest PUT {s} (expected 201): {}", resp.snippet());
                m.fail(
                    "REG-001",
                    loc("manifest"),
                    format!("the registry refused a valid manifest: {e}"),
                );
                Err(e)
            }
            Ok(resp) => {
                if let Some(e) = dcd_ok(&resp, &model.digest) {
                    m.fail("REG-002", loc("manifest"), e);
                }
                Ok(Subject {
                    label: "the model".into(),
                    tag: Some(tag.into()),
                    digest: model.digest.clone(),
                    media_type: model.media_type.clone(),
                    bytes: model.bytes.clone(),
                    blobs: model
                        .blobs
                        .iter()
                        .map(|b| (b.media_type.clone(), b.digest.clone(), b.bytes.len() as u64))
                        .collect(),
                })
            }
        }
    };
    ctx.subject = subject.clone();
    if let Ok(s) = &subject {
        check_pulled(ctx, m, s);
    }
    if !ctx.cfg.read_only {
        push_fixtures(ctx, m);
        for f in ctx.fixtures.clone() {
            check_pulled(ctx, m, &f);
        }
    }
    if subject.is_err() {
        return;
    }
    let missing = Digest::sha256_of(format!("no such manifest {}", ctx.salt).as_bytes());
    match ctx
        .client
        .manifest(Method::HEAD, &ctx.repo, &missing.to_string())
    {
        Err(e) => m.error(
            "REG-004",
            loc("manifest"),
            format!("HEAD of a missing manifest: {e}"),
        ),
        Ok(r) if r.status != 404 => m.fail(
            "REG-004",
            loc("manifest"),
            format!("HEAD of a missing manifest: {} (expected 404)", r.summary()),
        ),
        Ok(_) => {}
    }
}

/// Push every positive golden fixture under its case ID, blobs streamed from its layout.
/// A refusal fails REG-001 (the fixtures are valid artifacts); a fixture the suite cannot read
/// is an error.
fn push_fixtures(ctx: &mut Ctx, m: &mut Marks) {
    let defs = match &ctx.fixture_defs {
        Ok(d) => d.clone(),
        Err(e) => {
            return m.error(
                "REG-001",
                loc("manifest"),
                format!("precondition: the golden fixtures cannot be read: {e}"),
            );
        }
    };
    for f in &defs {
        match push_fixture(ctx, f) {
            Ok(resp) if resp.status == 201 => {
                if let Some(e) = dcd_ok(&resp, &f.digest) {
                    m.fail(
                        "REG-002",
                        loc("manifest"),
                        format!("fixture {}: {e}", f.case),
                    );
                }
                ctx.pushed.push((ctx.repo.clone(), f.digest.clone(), true));
                ctx.fixtures.push(Subject {
                    label: format!("fixture {}", f.case),
                    tag: Some(f.case.clone()),
                    digest: f.digest.clone(),
                    media_type: f.media_type.clone(),
                    bytes: f.bytes.clone(),
                    blobs: f.blobs.clone(),
                });
            }
            Ok(resp) => {
                let s = resp.summary();
                let hint = if serde_json::from_slice::<Value>(&f.bytes)
                    .is_ok_and(|v| v.get("subject").is_some())
                {
                    " (its `subject` names a manifest that is not in the repository; see REG-009)"
                } else {
                    ""
                };
                m.fail(
                    "REG-001",
                    loc("manifest"),
                    format!(
                        "the registry refused the golden fixture {} ({} bytes, {}){hint}: manifest PUT {s} (expected 201): {}",
                        f.case,
                        f.bytes.len(),
                        f.digest,
                        resp.snippet()
                    ),
                );
            }
            Err(FixturePush::Refused(e)) => m.fail(
                "REG-001",
                loc("blob"),
                format!("golden fixture {}: {e}", f.case),
            ),
            Err(FixturePush::Failed(e)) => m.error(
                "REG-001",
                loc("blob"),
                format!("golden fixture {}: {e}", f.case),
            ),
        }
    }
}

enum FixturePush {
    /// The registry answered and said no.
    Refused(String),
    /// Nothing was decided: transport, timeout, or the fixture could not be read.
    Failed(String),
}

fn push_fixture(ctx: &mut Ctx, f: &golden::Fixture) -> Result<Response, FixturePush> {
    for (_, digest, size) in &f.blobs {
        if ctx.uploaded.contains(&digest.to_string()) {
            continue;
        }
        let open = || {
            f.layout.open_blob_file(digest).map_err(|e| {
                FixturePush::Failed(format!("reading blob {digest} from its layout: {e}"))
            })
        };
        if digest.algorithm() != "sha256" {
            let hasher = crate::digest::Hasher::new("sha256").expect("sha256");
            let (same, _) = crate::digest::HashingReader::new(open()?, hasher)
                .drain()
                .map_err(|e| FixturePush::Failed(format!("reading blob {digest}: {e}")))?;
            ctx.sha256_of.insert(digest.to_string(), same);
        }
        let file = open()?;
        let large = *size >= 64 << 20;
        let resp = ctx
            .client
            .push_blob(&ctx.repo, digest, *size, Box::new(file), large)
            .map_err(|e| FixturePush::Failed(format!("uploading blob {digest}: {e}")))?;
        if resp.status != 201 {
            let s = resp.summary();
            return Err(FixturePush::Refused(format!(
                "upload of blob {digest} ({size} bytes): {s} (expected 201): {}",
                resp.snippet()
            )));
        }
        ctx.uploaded.insert(digest.to_string());
        ctx.pushed.push((ctx.repo.clone(), digest.clone(), false));
    }
    // An image index's manifests go up by digest first: a registry may refuse an index whose
    // children it does not hold.
    for (media_type, digest, bytes) in &f.children {
        let resp = ctx
            .client
            .put_manifest(&ctx.repo, &digest.to_string(), media_type, bytes)
            .map_err(|e| FixturePush::Failed(format!("manifest PUT {digest}: {e}")))?;
        if resp.status != 201 {
            let s = resp.summary();
            return Err(FixturePush::Refused(format!(
                "manifest {digest} below the index: {s} (expected 201): {}",
                resp.snippet()
            )));
        }
        ctx.pushed.push((ctx.repo.clone(), digest.clone(), true));
    }
    ctx.client
        .put_manifest(&ctx.repo, &f.case, &f.media_type, &f.bytes)
        .map_err(|e| FixturePush::Failed(format!("manifest PUT: {e}")))
}

/// Pull a pushed manifest back by tag and by digest: bytes, digest header, Content-Type, HEAD.
fn check_pulled(ctx: &Ctx, m: &mut Marks, s: &Subject) {
    let mut refs = vec![s.digest.to_string()];
    if let Some(t) = &s.tag {
        refs.insert(0, t.clone());
    }
    for r in &refs {
        let what = if r.contains(':') {
            format!("{} by digest", s.label)
        } else {
            format!("{} by tag", s.label)
        };
        match ctx.client.manifest(Method::GET, &ctx.repo, r) {
            Err(e) => {
                m.error("REG-001", loc("manifest"), format!("GET {what}: {e}"));
            }
            Ok(resp) if resp.status != 200 => {
                let sum = resp.summary();
                m.fail(
                    "REG-001",
                    loc("manifest"),
                    format!("GET {what}: {sum}: {}", resp.snippet()),
                );
            }
            Ok(resp) => {
                check_headers(m, &resp, s, &format!("GET {what}"));
                match resp.bytes() {
                    Err(e) => m.error("REG-001", loc("manifest"), format!("GET {what}: {e}")),
                    Ok(b) if b != s.bytes => {
                        m.fail(
                            "REG-001",
                            loc("manifest"),
                            format!("GET {what}: {}", describe_difference(&s.bytes, &b)),
                        );
                    }
                    Ok(_) => {}
                }
            }
        }
        match ctx.client.manifest(Method::HEAD, &ctx.repo, r) {
            Err(e) => m.error("REG-004", loc("manifest"), format!("HEAD {what}: {e}")),
            Ok(resp) => {
                if resp.status != 200 {
                    m.fail(
                        "REG-004",
                        loc("manifest"),
                        format!("HEAD {what}: {}", resp.summary()),
                    );
                } else {
                    if resp.content_length() != Some(s.bytes.len() as u64) {
                        m.fail(
                            "REG-004",
                            loc("manifest"),
                            format!(
                                "HEAD {what}: Content-Length {:?}, the manifest has {} bytes",
                                resp.header("content-length"),
                                s.bytes.len()
                            ),
                        );
                    }
                    check_headers(m, &resp, s, &format!("HEAD {what}"));
                }
            }
        }
    }
}

/// REG-002 and REG-003 on one manifest response: the digest header and the Content-Type.
fn check_headers(m: &mut Marks, resp: &Response, s: &Subject, request: &str) {
    if let Some(e) = dcd_ok(resp, &s.digest) {
        m.fail("REG-002", loc("manifest"), format!("{request}: {e}"));
    }
    let ct = resp.content_type();
    if ct
        .as_deref()
        .map(|c| c.split(';').next().unwrap_or("").trim())
        != Some(s.media_type.as_str())
    {
        m.fail(
            "REG-003",
            loc("manifest"),
            format!(
                "{request} answered Content-Type {ct:?}, the manifest's mediaType is {}",
                s.media_type
            ),
        );
    }
}

pub(super) fn subject_missing(ctx: &mut Ctx, m: &mut Marks) {
    // Only the probe's run state matters here: a referrer to a subject that does not exist.
    if need_subject(ctx, m, &["REG-009"]).is_none() {
        return;
    }
    let phantom = golden::phantom_subject(&ctx.salt);
    let r = golden::referrer(&phantom, SIGSTORE_BUNDLE_V03, JSON, &ctx.salt);
    for b in &r.blobs {
        if let Err(e) = ctx.client.push_bytes(&ctx.repo, &b.bytes) {
            return m.error(
                "REG-009",
                loc("blob"),
                format!("precondition: blob upload: {e}"),
            );
        }
    }
    match ctx
        .client
        .put_manifest(&ctx.repo, &r.digest.to_string(), &r.media_type, &r.bytes)
    {
        Err(e) => m.error("REG-009", loc("manifest"), format!("PUT: {e}")),
        Ok(resp) if resp.status != 201 => {
            let sum = resp.summary();
            m.fail(
                "REG-009",
                loc("manifest"),
                format!(
                    "a manifest whose subject {} does not exist was refused: {sum}: {}",
                    phantom["digest"],
                    resp.snippet()
                ),
            );
        }
        Ok(_) => {
            ctx.pushed.push((ctx.repo.clone(), r.digest.clone(), true));
            ctx.phantom = phantom["digest"]
                .as_str()
                .and_then(|d| Digest::parse(d).ok())
                .map(|d| (d, r.digest.clone()));
        }
    }
}

pub(super) fn check_error_body(resp: Response, what: &str, m: &mut Marks) {
    let summary = resp.summary();
    let body = match resp.bytes() {
        Ok(b) => b,
        Err(e) => return m.error("REG-010", Location::default(), format!("{what}: {e}")),
    };
    let text = String::from_utf8_lossy(&body[..body.len().min(120)])
        .trim()
        .replace('\n', " ");
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => {
            return m.fail(
                "REG-010",
                Location::default(),
                format!("{what}: {summary}: body is not the OCI error JSON: {text:?}"),
            );
        }
    };
    let Some(errors) = v
        .get("errors")
        .and_then(Value::as_array)
        .filter(|e| !e.is_empty())
    else {
        return m.fail(
            "REG-010",
            Location::default(),
            format!("{what}: {summary}: no `errors` array: {text:?}"),
        );
    };
    for e in errors {
        match e.get("code").and_then(Value::as_str) {
            Some(c) if ERROR_CODES.contains(&c) => {}
            other => m.fail(
                "REG-010",
                Location::default(),
                format!(
                    "{what}: {summary}: error code {other:?} is not in the distribution-spec list"
                ),
            ),
        }
    }
}

pub(super) fn error_format(ctx: &mut Ctx, m: &mut Marks) {
    let missing = Digest::sha256_of(format!("missing {}", ctx.salt).as_bytes());
    let probes: Vec<(&str, Result<Response, ClientError>)> = vec![
        (
            "GET of a missing blob",
            ctx.client.blob(Method::GET, &ctx.repo, &missing, false),
        ),
        (
            "GET of a missing manifest",
            ctx.client
                .manifest(Method::GET, &ctx.repo, &missing.to_string()),
        ),
    ];
    for (what, r) in probes {
        match r {
            Err(e) => m.error("REG-010", Location::default(), format!("{what}: {e}")),
            Ok(resp) if !(400..500).contains(&resp.status) => m.fail(
                "REG-010",
                Location::default(),
                format!("{what}: {} (expected 404)", resp.summary()),
            ),
            Ok(resp) => check_error_body(resp, what, m),
        }
    }
    if !ctx.cfg.read_only {
        // A digest mismatch on upload.
        let wrong = Digest::sha256_of(b"not the body");
        match ctx.client.push_blob(
            &ctx.repo,
            &wrong,
            4,
            Box::new(Cursor::new(b"body".to_vec())),
            false,
        ) {
            Err(e) => m.error(
                "REG-010",
                Location::default(),
                format!("upload with a wrong digest: {e}"),
            ),
            Ok(r) if (400..500).contains(&r.status) => {
                check_error_body(r, "upload with a wrong digest", m)
            }
            Ok(_) => {} // REG-006 reports the acceptance itself.
        }
    }
}

pub(super) fn delete(ctx: &mut Ctx, m: &mut Marks) {
    if !ctx.cfg.delete {
        return m.not_applicable(
            "REG-026",
            "delete checks are switched off in the configuration",
        );
    }
    let Some(s) = need_subject(ctx, m, &["REG-026"]) else {
        return;
    };
    // A throwaway manifest: the model with one more annotation.
    let mut v: Value = match serde_json::from_slice(&s.bytes) {
        Ok(v) => v,
        Err(e) => return m.error("REG-026", loc("manifest"), format!("precondition: {e}")),
    };
    v["annotations"][PROBE_DELETE] = Value::from(ctx.salt.clone());
    let bytes = manifest::odd_json(&v);
    let digest = Digest::sha256_of(&bytes);
    match ctx
        .client
        .put_manifest(&ctx.repo, "delete-probe", &s.media_type, &bytes)
    {
        Ok(r) if r.status == 201 => {}
        Ok(r) => {
            return m.error(
                "REG-026",
                loc("manifest"),
                format!("precondition: PUT: {}", r.summary()),
            );
        }
        Err(e) => {
            return m.error(
                "REG-026",
                loc("manifest"),
                format!("precondition: PUT: {e}"),
            );
        }
    }
    let url = ctx.client.url(&format!("{}/manifests/{digest}", ctx.repo));
    let resp = match ctx
        .client
        .send(ctx.client.request(Method::DELETE, url, Some(&ctx.repo)))
    {
        Ok(r) => r,
        Err(e) => return m.error("REG-026", loc("manifest"), format!("DELETE manifest: {e}")),
    };
    match resp.status {
        202 => match ctx
            .client
            .manifest(Method::GET, &ctx.repo, &digest.to_string())
        {
            Ok(r) if r.status == 404 => {}
            Ok(r) => m.fail(
                "REG-026",
                loc("manifest"),
                format!("DELETE manifest answered 202, then GET {}", r.summary()),
            ),
            Err(e) => m.error("REG-026", loc("manifest"), format!("GET after DELETE: {e}")),
        },
        400 | 405 | 501 => {
            let sum = resp.summary();
            let body = resp.snippet();
            if resp_unsupported(400, &body) || sum.contains("405") || sum.contains("501") {
                return m.skip(
                    "REG-026",
                    format!("feature delete not supported: DELETE manifest {sum}: {body}"),
                );
            }
            return m.fail(
                "REG-026",
                loc("manifest"),
                format!("DELETE manifest: {sum}: {body}"),
            );
        }
        _ => {
            let sum = resp.summary();
            return m.fail(
                "REG-026",
                loc("manifest"),
                format!(
                    "DELETE manifest: {sum} (expected 202, or 405 when unsupported): {}",
                    resp.snippet()
                ),
            );
        }
    }
    // A blob nobody references.
    let bytes = format!("delete probe {}", ctx.salt).into_bytes();
    let bd = match ctx.client.push_bytes(&ctx.repo, &bytes) {
        Ok(d) => d,
        Err(e) => return m.error("REG-026", loc("blob"), format!("precondition: {e}")),
    };
    let url = ctx.client.url(&format!("{}/blobs/{bd}", ctx.repo));
    match ctx
        .client
        .send(ctx.client.request(Method::DELETE, url, Some(&ctx.repo)))
    {
        Ok(r) if r.status == 202 => match ctx.client.blob(Method::GET, &ctx.repo, &bd, false) {
            Ok(r) if r.status == 404 => {}
            Ok(r) => m.fail(
                "REG-026",
                loc("blob"),
                format!("DELETE blob answered 202, then GET {}", r.summary()),
            ),
            Err(e) => m.error("REG-026", loc("blob"), format!("GET after DELETE: {e}")),
        },
        Ok(r) if matches!(r.status, 400 | 405 | 501) => {
            ctx.pushed.push((ctx.repo.clone(), bd, false));
        }
        Ok(r) => m.fail(
            "REG-026",
            loc("blob"),
            format!(
                "DELETE blob: {} (expected 202, or 405 when unsupported)",
                r.summary()
            ),
        ),
        Err(e) => m.error("REG-026", loc("blob"), format!("DELETE blob: {e}")),
    }
}

pub(super) fn resp_unsupported(_status: u16, body: &str) -> bool {
    body.contains("UNSUPPORTED")
}
