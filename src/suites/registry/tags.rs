//! Tag listing and its pagination.

use super::*;

/// One answer of the tag list.
pub(super) struct TagsPage {
    status: u16,
    summary: String,
    link: Option<String>,
    body: Vec<u8>,
}

pub(super) fn fetch_tags(ctx: &Ctx, url: url::Url) -> Result<TagsPage, ClientError> {
    let resp = ctx
        .client
        .send(ctx.client.request(Method::GET, url, Some(&ctx.repo)))?;
    let status = resp.status;
    let summary = resp.summary();
    let link = next_link(&resp);
    let body = if status == 200 {
        resp.bytes()?
    } else {
        resp.snippet().into_bytes()
    };
    Ok(TagsPage {
        status,
        summary,
        link,
        body,
    })
}

pub(super) fn parse_tags(body: &[u8]) -> Result<(Option<String>, Vec<String>), String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let name = v.get("name").and_then(Value::as_str).map(str::to_string);
    let tags = match v.get("tags") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect(),
        Some(Value::Null) | None => Vec::new(),
        _ => return Err("`tags` is not an array".into()),
    };
    Ok((name, tags))
}

pub(super) fn tag_list(ctx: &mut Ctx, m: &mut Marks) {
    let Some(s) = need_subject(ctx, m, &["REG-008"]) else {
        return;
    };
    let mut expected: Vec<String> = s.tag.iter().cloned().collect();
    expected.extend(ctx.fixtures.iter().filter_map(|f| f.tag.clone()));
    if !ctx.cfg.read_only {
        for t in ["t-alpha", "t-bravo", "t-charlie", "t-delta"] {
            match ctx
                .client
                .put_manifest(&ctx.repo, t, &s.media_type, &s.bytes)
            {
                Ok(r) if r.status == 201 => {
                    ctx.extra_tags.push(t.into());
                    expected.push(t.into());
                }
                Ok(r) => {
                    return m.error(
                        "REG-008",
                        loc("manifest"),
                        format!("precondition: tagging {t}: {}", r.summary()),
                    );
                }
                Err(e) => {
                    return m.error(
                        "REG-008",
                        loc("manifest"),
                        format!("precondition: tagging {t}: {e}"),
                    );
                }
            }
        }
    }
    let url = ctx.client.url(&format!("{}/tags/list", ctx.repo));
    match fetch_tags(ctx, url) {
        Err(e) => m.error(
            "REG-008",
            Location::default(),
            format!("GET tags/list: {e}"),
        ),
        Ok(p) if p.status != 200 => m.fail(
            "REG-008",
            Location::default(),
            format!(
                "GET tags/list: {}: {}",
                p.summary,
                String::from_utf8_lossy(&p.body)
            ),
        ),
        Ok(p) => match parse_tags(&p.body) {
            Err(e) => m.fail(
                "REG-008",
                Location::default(),
                format!("GET tags/list: {e}"),
            ),
            Ok((name, tags)) => {
                if name.as_deref() != Some(ctx.repo.as_str()) {
                    m.fail(
                        "REG-008",
                        Location::default(),
                        format!("tags/list `name` is {name:?}, not {:?}", ctx.repo),
                    );
                }
                let missing: Vec<&String> = expected.iter().filter(|t| !tags.contains(t)).collect();
                if !missing.is_empty() {
                    m.fail(
                        "REG-008",
                        Location::default(),
                        format!(
                            "tags/list lacks pushed tags {missing:?} (listed {} tags)",
                            tags.len()
                        ),
                    );
                }
            }
        },
    }
}

pub(super) fn next_link(resp: &Response) -> Option<String> {
    let link = resp.header("link")?;
    link.split(',').find_map(|part| {
        let part = part.trim();
        if !part.contains("rel=\"next\"") && !part.contains("rel=next") {
            return None;
        }
        let start = part.find('<')? + 1;
        let end = part.find('>')?;
        (start <= end).then(|| part[start..end].to_string())
    })
}

pub(super) fn tag_pagination(ctx: &mut Ctx, m: &mut Marks) {
    let Some(_) = need_subject(ctx, m, &["REG-027"]) else {
        return;
    };
    let full = match fetch_tags(ctx, ctx.client.url(&format!("{}/tags/list", ctx.repo))) {
        Ok(p) if p.status == 200 => match parse_tags(&p.body) {
            Ok((_, t)) => t,
            Err(e) => {
                return m.error(
                    "REG-027",
                    Location::default(),
                    format!("precondition: tag list: {e}"),
                );
            }
        },
        Ok(p) => {
            return m.error(
                "REG-027",
                Location::default(),
                format!("precondition: tag list: {}", p.summary),
            );
        }
        Err(e) => {
            return m.error(
                "REG-027",
                Location::default(),
                format!("precondition: tag list: {e}"),
            );
        }
    };
    if full.len() < 3 {
        return m.not_applicable(
            "REG-027",
            format!("only {} tags to page through", full.len()),
        );
    }
    let n = 2usize;
    let mut url = ctx.client.url(&format!("{}/tags/list", ctx.repo));
    url.query_pairs_mut().append_pair("n", &n.to_string());
    let first = match fetch_tags(ctx, url.clone()) {
        Ok(x) => x,
        Err(e) => return m.error("REG-027", Location::default(), format!("GET ?n={n}: {e}")),
    };
    if first.status != 200 {
        return m.skip(
            "REG-027",
            format!(
                "feature tag-pagination not supported: GET tags/list?n={n} → {}",
                first.summary
            ),
        );
    }
    let page = match parse_tags(&first.body) {
        Ok((_, t)) => t,
        Err(e) => return m.fail("REG-027", Location::default(), format!("GET ?n={n}: {e}")),
    };
    let link = first.link.clone();
    if page.len() > n && link.is_none() {
        return m.skip(
            "REG-027",
            format!("feature tag-pagination not supported: GET tags/list?n={n} returned {} tags and no Link header", page.len()),
        );
    }
    if page.len() > n {
        m.fail(
            "REG-027",
            Location::default(),
            format!("GET ?n={n} returned {} tags", page.len()),
        );
    }
    // Follow the Link chain.
    let mut seen: Vec<String> = page.clone();
    let mut next = link;
    let mut from = url.clone();
    let mut hops = 0;
    while let Some(l) = next.take() {
        hops += 1;
        if hops > full.len() + 2 {
            m.fail(
                "REG-027",
                Location::default(),
                "the Link chain does not end".to_string(),
            );
            break;
        }
        let u = match ctx.client.resolve_location(&from, &l) {
            Ok(u) => u,
            Err(e) => {
                m.fail("REG-027", Location::default(), e.to_string());
                break;
            }
        };
        match fetch_tags(ctx, u.clone()) {
            Ok(p) if p.status == 200 => match parse_tags(&p.body) {
                Ok((_, t)) => {
                    if t.len() > n {
                        m.fail(
                            "REG-027",
                            Location::default(),
                            format!("a Link page returned {} tags for n={n}", t.len()),
                        );
                    }
                    seen.extend(t);
                    next = p.link;
                    from = u;
                }
                Err(e) => {
                    m.fail("REG-027", Location::default(), format!("Link page: {e}"));
                    break;
                }
            },
            Ok(p) => {
                m.fail(
                    "REG-027",
                    Location::default(),
                    format!("Link page: {}", p.summary),
                );
                break;
            }
            Err(e) => {
                m.error("REG-027", Location::default(), format!("Link page: {e}"));
                break;
            }
        }
    }
    let unique: BTreeSet<&String> = seen.iter().collect();
    if unique.len() != seen.len() {
        m.fail(
            "REG-027",
            Location::default(),
            format!(
                "the pages listed {} tags, {} of them repeated",
                seen.len(),
                seen.len() - unique.len()
            ),
        );
    }
    let full_set: BTreeSet<&String> = full.iter().collect();
    if unique != full_set {
        m.fail(
            "REG-027",
            Location::default(),
            format!(
                "the pages listed {:?}, the full list is {:?}",
                unique, full_set
            ),
        );
    }
    // `last`: the page after the first page's last tag shares nothing with it.
    if let Some(last) = page.last() {
        let mut u = ctx.client.url(&format!("{}/tags/list", ctx.repo));
        u.query_pairs_mut()
            .append_pair("n", &n.to_string())
            .append_pair("last", last);
        if let Ok(p) = fetch_tags(ctx, u)
            && p.status == 200
            && let Ok((_, t)) = parse_tags(&p.body)
            && t.iter().any(|x| page.contains(x))
        {
            m.fail(
                "REG-027",
                Location::default(),
                format!("GET ?n={n}&last={last} repeated tags of the first page: {t:?}"),
            );
        }
    }
}
