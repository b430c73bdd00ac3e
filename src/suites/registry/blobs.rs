//! Blobs: round trip, monolithic and chunked uploads, the large blob, cross-repository mount.

use super::*;
use crate::vocabulary::OCTET_STREAM;

pub(super) fn blob_roundtrip(ctx: &mut Ctx, m: &mut Marks) {
    let Some(s) = need_subject(ctx, m, &["REG-005", "REG-004", "REG-002"]) else {
        m.not_applicable("REG-011", "no blob could be fetched");
        return;
    };
    let mut redirected = false;
    // The model's blobs, then the golden fixtures' (each digest once).
    let mut seen = BTreeSet::new();
    let all: Vec<(Digest, u64)> = s
        .blobs
        .iter()
        .chain(ctx.fixtures.iter().flat_map(|f| f.blobs.iter()))
        .filter(|(_, d, _)| seen.insert(d.to_string()))
        .map(|(_, d, size)| (d.clone(), *size))
        .collect();
    for (digest, size) in &all {
        match ctx.client.blob(Method::HEAD, &ctx.repo, digest, false) {
            Err(e) => m.error("REG-004", loc("blob"), format!("HEAD blob {digest}: {e}")),
            Ok(r) => {
                if !r.redirects.is_empty() {
                    redirected = true;
                }
                if r.status != 200 {
                    m.fail(
                        "REG-004",
                        loc("blob"),
                        format!("HEAD blob {digest}: {}", r.summary()),
                    );
                } else {
                    if r.content_length() != Some(*size) {
                        m.fail("REG-004", loc("blob"), format!("HEAD blob {digest}: Content-Length {:?}, the blob has {size} bytes", r.header("content-length")));
                    }
                    if r.redirects.is_empty()
                        && let Some(e) = blob_dcd_ok(ctx, &r, digest)
                    {
                        m.fail("REG-002", loc("blob"), e);
                    }
                }
            }
        }
        let repo = ctx.repo.clone();
        if verify_blob_redirects(ctx, m, &repo, digest, *size, false, "REG-005").1 {
            redirected = true;
        }
    }
    let missing = Digest::sha256_of(format!("no such blob {}", ctx.salt).as_bytes());
    match ctx.client.blob(Method::HEAD, &ctx.repo, &missing, false) {
        Err(e) => m.error(
            "REG-004",
            loc("blob"),
            format!("HEAD of a missing blob: {e}"),
        ),
        Ok(r) if r.status != 404 => m.fail(
            "REG-004",
            loc("blob"),
            format!("HEAD of a missing blob: {} (expected 404)", r.summary()),
        ),
        Ok(_) => {}
    }
    // Redirects: whether blobs left the registry's origin at all.
    if !redirected && m.outcome("REG-011") == Status::Pass {
        m.not_applicable(
            "REG-011",
            "the registry served every blob itself (no redirect)",
        );
    }
}

pub(super) fn monolithic_upload(ctx: &mut Ctx, m: &mut Marks) {
    let bytes = format!("monolithic upload probe {}", ctx.salt).into_bytes();
    let digest = Digest::sha256_of(&bytes);
    let start = match ctx.client.start_upload(&ctx.repo) {
        Err(e) => return m.error("REG-006", loc("blob"), format!("POST upload: {e}")),
        Ok(r) => r,
    };
    if start.status != 202 || start.header("location").is_none() {
        let s = start.summary();
        return m.fail(
            "REG-006",
            loc("blob"),
            format!(
                "POST /blobs/uploads/: {s} (expected 202 with a Location): {}",
                start.snippet()
            ),
        );
    }
    let mut url = match ctx.client.location(&start, "POST upload") {
        Ok(u) => u,
        Err(e) => return m.fail("REG-006", loc("blob"), e.to_string()),
    };
    url.query_pairs_mut()
        .append_pair("digest", &digest.to_string());
    let mut req = ctx.client.request(Method::PUT, url, Some(&ctx.repo));
    req.headers
        .push(("content-type".into(), OCTET_STREAM.into()));
    req.body = Body::Bytes(bytes.clone());
    match ctx.client.send(req) {
        Err(e) => return m.error("REG-006", loc("blob"), format!("PUT upload: {e}")),
        Ok(r) if r.status != 201 => {
            let s = r.summary();
            return m.fail(
                "REG-006",
                loc("blob"),
                format!("PUT ?digest=: {s} (expected 201): {}", r.snippet()),
            );
        }
        Ok(_) => {}
    }
    ctx.pushed.push((ctx.repo.clone(), digest.clone(), false));
    let repo = ctx.repo.clone();
    verify_blob(ctx, m, &repo, &digest, bytes.len() as u64, false, "REG-006");
    // A wrong digest must be refused.
    let wrong = Digest::sha256_of(b"these are not the bytes");
    let attempt = ctx.client.push_blob(
        &ctx.repo,
        &wrong,
        bytes.len() as u64,
        Box::new(Cursor::new(bytes.clone())),
        false,
    );
    match attempt {
        Err(e) => m.error(
            "REG-006",
            loc("blob"),
            format!("upload with a wrong digest: {e}"),
        ),
        Ok(r) if r.is_success() => {
            ctx.pushed.push((ctx.repo.clone(), wrong.clone(), false));
            m.fail(
                "REG-006",
                loc("blob"),
                format!(
                    "an upload whose bytes hash to {digest} was accepted as {wrong}: {}",
                    r.summary()
                ),
            );
        }
        Ok(_) => {}
    }
}

pub(super) fn chunked_upload(ctx: &mut Ctx, m: &mut Marks) {
    let chunk = ctx.cfg.chunk_size.clamp(1, 64 << 20) as usize;
    let total = chunk * 2 + chunk / 2 + 1;
    let mut data = vec![0u8; total];
    let _ = std::io::Read::read(
        &mut PatternReader::new(0xc0ffee ^ ctx.salt.len() as u64, total as u64),
        &mut data,
    );
    let digest = Digest::sha256_of(&data);
    let start = match ctx.client.start_upload(&ctx.repo) {
        Err(e) => return m.error("REG-028", loc("blob"), format!("POST upload: {e}")),
        Ok(r) => r,
    };
    let mut url = match ctx.client.location(&start, "POST upload") {
        Ok(u) if start.status == 202 => u,
        _ => {
            return m.error(
                "REG-028",
                loc("blob"),
                format!("could not start an upload: {}", start.summary()),
            );
        }
    };
    let mut offset = 0usize;
    let mut first = true;
    while offset < total {
        let end = (offset + chunk).min(total);
        let mut req = ctx
            .client
            .request(Method::PATCH, url.clone(), Some(&ctx.repo));
        req.headers
            .push(("content-type".into(), OCTET_STREAM.into()));
        req.headers
            .push(("content-range".into(), format!("{offset}-{}", end - 1)));
        req.body = Body::Bytes(data[offset..end].to_vec());
        let resp = match ctx.client.send(req) {
            Err(e) => {
                return m.error(
                    "REG-028",
                    loc("blob"),
                    format!("PATCH {offset}-{}: {e}", end - 1),
                );
            }
            Ok(r) => r,
        };
        if resp.status != 202 {
            let s = resp.summary();
            let status = resp.status;
            let body = resp.snippet();
            if first && (matches!(status, 404 | 405 | 416 | 501) || body.contains("UNSUPPORTED")) {
                return m.skip(
                    "REG-028",
                    format!("feature chunked-upload not supported: {s}: {body}"),
                );
            }
            return m.fail(
                "REG-028",
                loc("blob"),
                format!("PATCH {offset}-{}: {s} (expected 202): {body}", end - 1),
            );
        }
        first = false;
        match resp.header("range") {
            Some(r) if r == format!("0-{}", end - 1) || r == format!("bytes=0-{}", end - 1) => {}
            other => m.fail(
                "REG-028",
                loc("blob"),
                format!(
                    "PATCH {offset}-{}: Range {other:?}, expected 0-{}",
                    end - 1,
                    end - 1
                ),
            ),
        }
        url = match ctx.client.location(&resp, "PATCH") {
            Ok(u) => u,
            Err(e) => return m.fail("REG-028", loc("blob"), e.to_string()),
        };
        offset = end;
    }
    url.query_pairs_mut()
        .append_pair("digest", &digest.to_string());
    let req = ctx.client.request(Method::PUT, url, Some(&ctx.repo));
    match ctx.client.send(req) {
        Err(e) => return m.error("REG-028", loc("blob"), format!("closing PUT: {e}")),
        Ok(r) if r.status != 201 => {
            let s = r.summary();
            return m.fail(
                "REG-028",
                loc("blob"),
                format!("closing PUT ?digest=: {s} (expected 201): {}", r.snippet()),
            );
        }
        Ok(_) => {}
    }
    ctx.pushed.push((ctx.repo.clone(), digest.clone(), false));
    let repo = ctx.repo.clone();
    verify_blob(ctx, m, &repo, &digest, total as u64, false, "REG-028");
}

pub(super) fn large_blob(ctx: &mut Ctx, m: &mut Marks) {
    let size = ctx.cfg.large_blob_size;
    let seed = 0x5eed ^ (ctx.salt.len() as u64) ^ size;
    let digest = golden::pattern_digest(seed, size);
    let resp = ctx.client.push_blob(
        &ctx.repo,
        &digest,
        size,
        Box::new(PatternReader::new(seed, size)),
        true,
    );
    match resp {
        Err(e) if e.is_timeout() => {
            return m.error("REG-007", loc("blob"), format!("push of {size} bytes: {e}"));
        }
        Err(e) => return m.fail("REG-007", loc("blob"), format!("push of {size} bytes: {e}")),
        Ok(r) if r.status != 201 => {
            let s = r.summary();
            return m.fail(
                "REG-007",
                loc("blob"),
                format!("push of {size} bytes: {s} (expected 201): {}", r.snippet()),
            );
        }
        Ok(_) => {}
    }
    ctx.pushed.push((ctx.repo.clone(), digest.clone(), false));
    let repo = ctx.repo.clone();
    verify_blob(ctx, m, &repo, &digest, size, true, "REG-007");
}

pub(super) fn cross_repo_mount(ctx: &mut Ctx, m: &mut Marks) {
    let src = format!("{}/mount-source", ctx.ns);
    let bytes = format!("mount probe {}", ctx.salt).into_bytes();
    let digest = match ctx.client.push_bytes(&src, &bytes) {
        Ok(d) => d,
        Err(e) => {
            return m.error(
                "REG-025",
                loc("blob"),
                format!("precondition: pushing to {src}: {e}"),
            );
        }
    };
    ctx.pushed.push((src.clone(), digest.clone(), false));
    let mut url = ctx.client.url(&format!("{}/blobs/uploads/", ctx.repo));
    url.query_pairs_mut()
        .append_pair("mount", &digest.to_string())
        .append_pair("from", &src);
    let req = ctx.client.request(Method::POST, url, Some(&ctx.repo));
    let resp = match ctx.client.send(req) {
        Err(e) => return m.error("REG-025", loc("blob"), format!("POST ?mount=: {e}")),
        Ok(r) => r,
    };
    match resp.status {
        201 => {
            ctx.pushed.push((ctx.repo.clone(), digest.clone(), false));
            let repo = ctx.repo.clone();
            verify_blob(ctx, m, &repo, &digest, bytes.len() as u64, false, "REG-025");
        }
        202 => {
            let s = resp.summary();
            // Cancel the upload session it opened instead (best effort).
            if let Ok(u) = ctx.client.location(&resp, "mount") {
                let _ = ctx
                    .client
                    .send(ctx.client.request(Method::DELETE, u, Some(&ctx.repo)));
            }
            m.skip(
                "REG-025",
                format!(
                    "feature cross-repo-mount not supported: {s} (an upload session, not a mount)"
                ),
            );
        }
        _ => {
            let s = resp.summary();
            m.fail(
                "REG-025",
                loc("blob"),
                format!(
                    "POST ?mount=&from=: {s} (expected 201, or 202 when unsupported): {}",
                    resp.snippet()
                ),
            );
        }
    }
}
