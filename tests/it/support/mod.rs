//! Helpers the integration tests share. Here: a scriptable in-memory OCI registry on a loopback
//! port, for the registry suite's tests; `signed` and `signing` make test-only evidence.
//!
//! Written on `std::net` rather than a server crate: the faults need byte-level control
//! (stalling mid-body, lying in headers, plain-text error bodies, redirects to a second
//! origin) that a framework would get in the way of, and it adds no dependency.
//! HTTP/1.1 with `Connection: close`: one request per connection, one thread per connection.

pub mod signed;
pub mod signing;

use ai_interop::digest::Digest;
use base64::Engine as _;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How an optional feature behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Answers the spec's "not supported" way.
    Unsupported,
    #[default]
    Works,
    /// Claims the feature and gets it wrong.
    Broken,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hang {
    /// Read the request, never answer.
    BeforeHeaders,
    /// Send headers and half the body, then stall.
    MidBody,
}

/// Referrers API behaviour (the API exists when `Faults::referrers` is `Some`).
#[derive(Debug, Clone, Default)]
pub struct ReferrersFaults {
    /// Report the config mediaType instead of the artifactType.
    pub wrong_artifact_type: bool,
    pub drop_annotations: bool,
    /// 404 for a subject without referrers.
    pub not_found_when_empty: bool,
    /// Send `OCI-Filters-Applied: artifactType` but return everything.
    pub claim_filter_but_ignore: bool,
    /// Return everything without the header (spec-valid: feature unsupported).
    pub ignore_filter: bool,
    pub no_oci_subject: bool,
    /// 404 for a subject that is not a manifest of the repository (even if it has referrers).
    pub not_found_when_subject_missing: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Faults {
    pub corrupt_blobs: bool,
    pub rewrite_manifests: bool,
    pub drop_annotations: bool,
    pub wrong_digest_header: bool,
    /// Blob GET/HEAD name the content by its sha256 whatever digest was asked for
    /// (Distribution 2.8.2 for a blob pushed as sha512).
    pub sha256_digest_header: bool,
    pub wrong_content_type: bool,
    pub head_wrong_length: bool,
    /// Monolithic PUT answers 201 but stores nothing.
    pub break_monolithic: bool,
    pub accept_wrong_digest: bool,
    /// Blob GETs of larger blobs stop after this many bytes.
    pub truncate_blobs_over: Option<usize>,
    pub hide_tags: bool,
    pub reject_missing_subject: bool,
    pub plain_errors: bool,
    /// Blob GETs answer 307 to a second server (another origin).
    pub redirect_blobs: bool,
    /// ... which wants the registry's Authorization.
    pub storage_requires_auth: bool,
    /// The first GET of an existing blob hangs.
    pub hang_first_blob_get: Option<Hang>,
    pub referrers: Option<ReferrersFaults>,
    pub reject_fallback_tag: bool,
    pub mount: Mode,
    pub delete: Mode,
    /// `Unsupported` ignores `n` like Distribution 2.8.2.
    pub pagination: Mode,
    pub chunked: Mode,
    pub absolute_locations: bool,
    /// Every API route answers 200 with junk headers and a non-JSON body.
    pub garbage: bool,
}

#[derive(Debug, Clone)]
pub enum Auth {
    None,
    Basic { user: String, password: String },
    Bearer { user: String, password: String },
}

/// One request as seen by a server.
#[derive(Debug, Clone)]
pub struct Logged {
    pub method: String,
    pub target: String,
    pub authorization: Option<String>,
}

#[derive(Default)]
struct State {
    blobs: HashMap<String, Vec<u8>>,
    links: HashSet<(String, String)>,
    /// (repo, digest) → (content type, bytes)
    manifests: HashMap<(String, String), (String, Vec<u8>)>,
    tags: BTreeMap<(String, String), String>,
    /// uuid → (repo, bytes, state counter)
    uploads: HashMap<String, (String, Vec<u8>, u64)>,
}

struct Shared {
    faults: Faults,
    auth: Auth,
    token: String,
    state: Mutex<State>,
    log: Mutex<Vec<Logged>>,
    storage_log: Arc<Mutex<Vec<Logged>>>,
    storage_url: String,
    url: String,
    counter: AtomicU64,
    hung: AtomicBool,
}

pub struct FakeRegistry {
    pub url: String,
    shared: Arc<Shared>,
}

impl FakeRegistry {
    pub fn start(faults: Faults) -> FakeRegistry {
        Self::start_with_auth(faults, Auth::None)
    }

    pub fn start_with_auth(faults: Faults, auth: Auth) -> FakeRegistry {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let storage = TcpListener::bind("127.0.0.1:0").expect("bind storage");
        let storage_addr = storage.local_addr().expect("addr");
        let storage_log = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::new(Shared {
            faults,
            auth,
            token: format!("tok-{}-secret-bearer", std::process::id()),
            state: Mutex::new(State::default()),
            log: Mutex::new(Vec::new()),
            storage_log: storage_log.clone(),
            storage_url: format!("http://{storage_addr}"),
            url: format!("http://{addr}"),
            counter: AtomicU64::new(1),
            hung: AtomicBool::new(false),
        });
        let s = shared.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let s = s.clone();
                std::thread::spawn(move || handle(&s, conn));
            }
        });
        let s = shared.clone();
        std::thread::spawn(move || {
            for conn in storage.incoming().flatten() {
                let s = s.clone();
                std::thread::spawn(move || handle_storage(&s, conn));
            }
        });
        FakeRegistry {
            url: format!("http://{addr}"),
            shared,
        }
    }

    pub fn log(&self) -> Vec<Logged> {
        self.shared.log.lock().unwrap().clone()
    }
    pub fn storage_log(&self) -> Vec<Logged> {
        self.shared.storage_log.lock().unwrap().clone()
    }
    pub fn token(&self) -> String {
        self.shared.token.clone()
    }
}

struct Req {
    method: String,
    path: String,
    query: HashMap<String, String>,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Stall after this many body bytes.
    stall_after: Option<usize>,
}

impl Resp {
    fn new(status: u16) -> Resp {
        Resp {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            stall_after: None,
        }
    }
    fn h(mut self, k: &str, v: impl Into<String>) -> Resp {
        self.headers.push((k.into(), v.into()));
        self
    }
    fn body(mut self, b: Vec<u8>) -> Resp {
        self.body = b;
        self
    }
    fn json(self, v: &Value) -> Resp {
        self.h("Content-Type", "application/json")
            .body(serde_json::to_vec(v).unwrap())
    }
}

fn read_request(conn: &mut TcpStream) -> Option<Req> {
    conn.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut r = BufReader::new(conn.try_clone().ok()?);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let mut body = Vec::new();
    if let Some(n) = headers
        .get("content-length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        body.resize(n, 0);
        r.read_exact(&mut body).ok()?;
    } else if headers
        .get("transfer-encoding")
        .is_some_and(|v| v.contains("chunked"))
    {
        loop {
            let mut size = String::new();
            r.read_line(&mut size).ok()?;
            let n = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            if n == 0 {
                let mut end = String::new();
                r.read_line(&mut end).ok()?;
                break;
            }
            let start = body.len();
            body.resize(start + n, 0);
            r.read_exact(&mut body[start..]).ok()?;
            let mut crlf = [0u8; 2];
            r.read_exact(&mut crlf).ok()?;
        }
    }
    let (path, q) = target.split_once('?').unwrap_or((&target, ""));
    let query = url::form_urlencoded::parse(q.as_bytes())
        .into_owned()
        .collect();
    Some(Req {
        method,
        path: path.to_string(),
        query,
        headers,
        body,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Status",
    }
}

fn write_response(conn: &mut TcpStream, method: &str, resp: Resp) {
    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    let mut has_len = false;
    for (k, v) in &resp.headers {
        if k.eq_ignore_ascii_case("content-length") {
            has_len = true;
        }
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !has_len {
        head.push_str(&format!("Content-Length: {}\r\n", resp.body.len()));
    }
    head.push_str("Connection: close\r\n\r\n");
    let _ = conn.write_all(head.as_bytes());
    if method != "HEAD" {
        match resp.stall_after {
            Some(n) => {
                let _ = conn.write_all(&resp.body[..n.min(resp.body.len())]);
                let _ = conn.flush();
                std::thread::sleep(Duration::from_secs(30));
            }
            None => {
                let _ = conn.write_all(&resp.body);
            }
        }
    }
    let _ = conn.flush();
}

fn oci_error(s: &Shared, status: u16, code: &str, message: &str) -> Resp {
    if s.faults.plain_errors {
        return Resp::new(status)
            .h("Content-Type", "text/plain; charset=utf-8")
            .body(format!("{status} {message}\n").into_bytes());
    }
    Resp::new(status).json(&json!({"errors": [{"code": code, "message": message, "detail": {}}]}))
}

fn route_not_found() -> Resp {
    Resp::new(404)
        .h("Content-Type", "text/plain; charset=utf-8")
        .body(b"404 page not found\n".to_vec())
}

fn handle(s: &Shared, mut conn: TcpStream) {
    let Some(req) = read_request(&mut conn) else {
        return;
    };
    s.log.lock().unwrap().push(Logged {
        method: req.method.clone(),
        target: req.path.clone(),
        authorization: req.headers.get("authorization").cloned(),
    });
    let resp = respond(s, &req);
    if resp.status == 0 {
        // Hang before headers.
        std::thread::sleep(Duration::from_secs(30));
        return;
    }
    write_response(&mut conn, &req.method, resp);
}

fn handle_storage(s: &Shared, mut conn: TcpStream) {
    let Some(req) = read_request(&mut conn) else {
        return;
    };
    let auth = req.headers.get("authorization").cloned();
    s.storage_log.lock().unwrap().push(Logged {
        method: req.method.clone(),
        target: req.path.clone(),
        authorization: auth.clone(),
    });
    let resp = if s.faults.storage_requires_auth && auth.is_none() {
        Resp::new(401).body(b"storage wants credentials".to_vec())
    } else {
        let digest = req.path.trim_start_matches("/blob/");
        match s.state.lock().unwrap().blobs.get(digest) {
            Some(b) => Resp::new(200)
                .h("Content-Type", "application/octet-stream")
                .body(b.clone()),
            None => Resp::new(404),
        }
    };
    write_response(&mut conn, &req.method, resp);
}

fn authorized(s: &Shared, req: &Req) -> Option<Resp> {
    let got = req.headers.get("authorization");
    match &s.auth {
        Auth::None => None,
        Auth::Basic { user, password } => {
            let want = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            );
            (got != Some(&want)).then(|| {
                oci_error(s, 401, "UNAUTHORIZED", "authentication required")
                    .h("WWW-Authenticate", "Basic realm=\"fake\"")
            })
        }
        Auth::Bearer { .. } => {
            let want = format!("Bearer {}", s.token);
            (got != Some(&want)).then(|| {
                let name = repo_of(&req.path).unwrap_or_default();
                oci_error(s, 401, "UNAUTHORIZED", "authentication required").h(
                    "WWW-Authenticate",
                    format!(
                        "Bearer realm=\"{}/token\",service=\"fake-registry\",scope=\"repository:{name}:pull,push\"",
                        s.url
                    ),
                )
            })
        }
    }
}

fn repo_of(path: &str) -> Option<String> {
    let rest = path.strip_prefix("/v2/")?;
    for marker in ["/blobs/", "/manifests/", "/tags/list", "/referrers/"] {
        if let Some(i) = rest.rfind(marker) {
            return Some(rest[..i].to_string());
        }
    }
    None
}

fn sha(b: &[u8]) -> String {
    Digest::sha256_of(b).to_string()
}

/// The digest of `b` in the algorithm `claimed` names (sha256, sha512); sha256 otherwise.
fn hash_as(claimed: &str, b: &[u8]) -> String {
    let alg = claimed.split(':').next().unwrap_or("sha256");
    match ai_interop::digest::Hasher::new(alg) {
        Some(mut h) => {
            h.update(b);
            h.finish().to_string()
        }
        None => sha(b),
    }
}

fn location(s: &Shared, path: &str) -> String {
    if s.faults.absolute_locations {
        format!("{}{path}", s.url)
    } else {
        path.to_string()
    }
}

fn respond(s: &Shared, req: &Req) -> Resp {
    if req.path == "/token" {
        if let Auth::Bearer { user, password } = &s.auth {
            let want = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            );
            if req.headers.get("authorization") != Some(&want) {
                return Resp::new(401);
            }
            return Resp::new(200).json(&json!({"token": s.token}));
        }
        return route_not_found();
    }
    if let Some(r) = authorized(s, req) {
        return r;
    }
    if req.path == "/v2/" || req.path == "/v2" {
        return Resp::new(200).json(&json!({}));
    }
    if s.faults.garbage {
        let status = [200, 201, 202, 204, 307, 400, 500]
            [(s.counter.fetch_add(1, Ordering::Relaxed) % 7) as usize];
        return Resp::new(status)
            .h("Content-Type", "\u{7f}junk/\u{1}")
            .h("Location", "http://[::1:bad")
            .h("Link", "<<<; rel=\"next\">")
            .h("Range", "bytes=-5--1")
            .h("Docker-Content-Digest", "sha256:zz")
            .h("OCI-Filters-Applied", ",,,")
            .body(vec![0xff, 0x00, b'{', b'"', 0xfe]);
    }
    let Some(name) = repo_of(&req.path) else {
        return route_not_found();
    };
    let rest = &req.path["/v2/".len() + name.len()..];
    if let Some(tail) = rest.strip_prefix("/blobs/uploads") {
        return uploads(s, req, &name, tail.trim_start_matches('/'));
    }
    if let Some(d) = rest.strip_prefix("/blobs/") {
        return blobs(s, req, &name, d);
    }
    if let Some(r) = rest.strip_prefix("/manifests/") {
        return manifests(s, req, &name, r);
    }
    if rest == "/tags/list" && req.method == "GET" {
        return tags(s, req, &name);
    }
    if let Some(d) = rest.strip_prefix("/referrers/") {
        return match &s.faults.referrers {
            Some(f) => referrers(s, req, &name, d, f),
            None => route_not_found(),
        };
    }
    route_not_found()
}

fn new_session(s: &Shared, name: &str) -> Resp {
    let id = format!("u{}", s.counter.fetch_add(1, Ordering::Relaxed));
    s.state
        .lock()
        .unwrap()
        .uploads
        .insert(id.clone(), (name.to_string(), Vec::new(), 0));
    Resp::new(202)
        .h(
            "Location",
            location(s, &format!("/v2/{name}/blobs/uploads/{id}?_state=0")),
        )
        .h("Range", "0-0")
        .h("Docker-Upload-UUID", id)
}

fn uploads(s: &Shared, req: &Req, name: &str, id: &str) -> Resp {
    let f = &s.faults;
    if id.is_empty() {
        if req.method != "POST" {
            return route_not_found();
        }
        if let (Some(d), Some(from)) = (req.query.get("mount"), req.query.get("from")) {
            let mut st = s.state.lock().unwrap();
            let present = st.links.contains(&(from.clone(), d.clone()));
            match f.mount {
                Mode::Works if present => {
                    st.links.insert((name.to_string(), d.clone()));
                }
                Mode::Broken if present => {}
                _ => {
                    drop(st);
                    return new_session(s, name);
                }
            }
            return Resp::new(201)
                .h("Location", location(s, &format!("/v2/{name}/blobs/{d}")))
                .h("Docker-Content-Digest", d.clone());
        }
        return new_session(s, name);
    }
    let mut st = s.state.lock().unwrap();
    let Some((repo, data, state)) = st.uploads.get(id).cloned() else {
        return oci_error(s, 404, "BLOB_UPLOAD_UNKNOWN", "upload unknown");
    };
    if repo != name {
        return oci_error(s, 404, "BLOB_UPLOAD_UNKNOWN", "upload unknown");
    }
    let fresh = req.query.get("_state").map(String::as_str) == Some(state.to_string().as_str());
    match req.method.as_str() {
        "PATCH" => {
            if f.chunked == Mode::Unsupported {
                drop(st);
                return oci_error(s, 405, "UNSUPPORTED", "chunked uploads are not supported");
            }
            if !fresh {
                drop(st);
                return oci_error(s, 400, "BLOB_UPLOAD_INVALID", "stale upload state");
            }
            let mut data = data;
            if f.chunked == Mode::Broken {
                data = req.body.clone();
            } else {
                data.extend_from_slice(&req.body);
            }
            let next = state + 1;
            let len = data.len();
            st.uploads.insert(id.to_string(), (repo, data, next));
            let range = if f.chunked == Mode::Broken {
                "0-0".to_string()
            } else {
                format!("0-{}", len.saturating_sub(1))
            };
            Resp::new(202)
                .h(
                    "Location",
                    location(s, &format!("/v2/{name}/blobs/uploads/{id}?_state={next}")),
                )
                .h("Range", range)
        }
        "PUT" => {
            if !fresh {
                drop(st);
                return oci_error(s, 400, "BLOB_UPLOAD_INVALID", "stale upload state");
            }
            let mut data = data;
            data.extend_from_slice(&req.body);
            let Some(d) = req.query.get("digest").cloned() else {
                drop(st);
                return oci_error(s, 400, "DIGEST_INVALID", "digest missing");
            };
            if hash_as(&d, &data) != d && !f.accept_wrong_digest {
                drop(st);
                return oci_error(
                    s,
                    400,
                    "DIGEST_INVALID",
                    "provided digest did not match uploaded content",
                );
            }
            st.uploads.remove(id);
            let monolithic = state == 0 && !req.body.is_empty();
            if !(f.break_monolithic && monolithic) {
                st.blobs.insert(d.clone(), data);
                st.links.insert((name.to_string(), d.clone()));
            }
            Resp::new(201)
                .h("Location", location(s, &format!("/v2/{name}/blobs/{d}")))
                .h("Docker-Content-Digest", d)
        }
        "DELETE" => {
            st.uploads.remove(id);
            Resp::new(204)
        }
        _ => {
            drop(st);
            oci_error(s, 405, "UNSUPPORTED", "method not allowed")
        }
    }
}

fn blobs(s: &Shared, req: &Req, name: &str, d: &str) -> Resp {
    let f = &s.faults;
    let mut st = s.state.lock().unwrap();
    let linked = st.links.contains(&(name.to_string(), d.to_string()));
    let blob = if linked {
        st.blobs.get(d).cloned()
    } else {
        None
    };
    match req.method.as_str() {
        "GET" | "HEAD" => {
            drop(st);
            let Some(mut b) = blob else {
                return oci_error(s, 404, "BLOB_UNKNOWN", "blob unknown to registry");
            };
            if f.redirect_blobs && req.method == "GET" {
                return Resp::new(307).h("Location", format!("{}/blob/{d}", s.storage_url));
            }
            let len = b.len();
            let canonical = sha(&b);
            let mut stall = None;
            if req.method == "GET" {
                if let Some(h) = f.hang_first_blob_get
                    && !s.hung.swap(true, Ordering::SeqCst)
                {
                    match h {
                        Hang::BeforeHeaders => return Resp::new(0),
                        Hang::MidBody => stall = Some(len / 2),
                    }
                }
                if f.corrupt_blobs && !b.is_empty() {
                    b[0] ^= 0xff;
                }
                if let Some(max) = f.truncate_blobs_over
                    && b.len() > max
                {
                    b.truncate(max);
                }
            }
            let shown_len = if req.method == "HEAD" && f.head_wrong_length {
                1
            } else {
                b.len().max(if req.method == "HEAD" { len } else { 0 })
            };
            let dcd = if f.wrong_digest_header {
                sha(b"wrong")
            } else if f.sha256_digest_header {
                canonical
            } else {
                d.to_string()
            };
            let mut r = Resp::new(200)
                .h("Content-Type", "application/octet-stream")
                .h("Docker-Content-Digest", dcd)
                .h("Content-Length", shown_len.to_string());
            if req.method == "GET" {
                r = r.body(b);
            }
            r.stall_after = stall;
            r
        }
        "DELETE" => match f.delete {
            Mode::Unsupported => {
                drop(st);
                oci_error(s, 405, "UNSUPPORTED", "delete disabled")
            }
            _ if blob.is_none() => {
                drop(st);
                oci_error(s, 404, "BLOB_UNKNOWN", "blob unknown")
            }
            Mode::Broken => Resp::new(202),
            Mode::Works => {
                st.links.remove(&(name.to_string(), d.to_string()));
                Resp::new(202)
            }
        },
        _ => {
            drop(st);
            oci_error(s, 405, "UNSUPPORTED", "method not allowed")
        }
    }
}

fn manifests(s: &Shared, req: &Req, name: &str, reference: &str) -> Resp {
    let f = &s.faults;
    let mut st = s.state.lock().unwrap();
    let key_digest = if reference.contains(':') {
        Some(reference.to_string())
    } else {
        st.tags
            .get(&(name.to_string(), reference.to_string()))
            .cloned()
    };
    match req.method.as_str() {
        "GET" | "HEAD" => {
            let found = key_digest
                .as_ref()
                .and_then(|d| st.manifests.get(&(name.to_string(), d.clone())).cloned());
            drop(st);
            let Some((ct, bytes)) = found else {
                return oci_error(s, 404, "MANIFEST_UNKNOWN", "manifest unknown");
            };
            let digest = key_digest.unwrap_or_default();
            let ct = if f.wrong_content_type {
                "application/json".into()
            } else {
                ct
            };
            let dcd = if f.wrong_digest_header {
                sha(b"wrong")
            } else {
                digest
            };
            let len = if req.method == "HEAD" && f.head_wrong_length {
                1
            } else {
                bytes.len()
            };
            Resp::new(200)
                .h("Content-Type", ct)
                .h("Docker-Content-Digest", dcd)
                .h("Content-Length", len.to_string())
                .body(bytes)
        }
        "PUT" => {
            let ct = req.headers.get("content-type").cloned().unwrap_or_default();
            let Ok(mut v) = serde_json::from_slice::<Value>(&req.body) else {
                drop(st);
                return oci_error(s, 400, "MANIFEST_INVALID", "not JSON");
            };
            let pushed_digest = sha(&req.body);
            if reference.contains(':') && reference != pushed_digest {
                drop(st);
                return oci_error(s, 400, "DIGEST_INVALID", "digest mismatch");
            }
            if !reference.contains(':') && f.reject_fallback_tag && reference.starts_with("sha256-")
            {
                drop(st);
                return oci_error(s, 400, "TAG_INVALID", "tag refused");
            }
            // Referenced blobs must exist (like Distribution).
            let descs: Vec<Value> = v
                .get("config")
                .into_iter()
                .cloned()
                .chain(
                    v.get("layers")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default(),
                )
                .collect();
            for d in descs {
                let dg = d
                    .get("digest")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                if !st.links.contains(&(name.to_string(), dg)) {
                    drop(st);
                    return oci_error(s, 400, "MANIFEST_BLOB_UNKNOWN", "blob unknown to registry");
                }
            }
            let subject = v
                .pointer("/subject/digest")
                .and_then(Value::as_str)
                .map(str::to_string);
            if let Some(sd) = &subject
                && f.reject_missing_subject
                && !st.manifests.contains_key(&(name.to_string(), sd.clone()))
            {
                drop(st);
                return oci_error(s, 400, "MANIFEST_INVALID", "subject unknown");
            }
            let mut stored = req.body.clone();
            if f.drop_annotations {
                if let Some(o) = v.as_object_mut() {
                    o.remove("annotations");
                }
                stored = serde_json::to_vec_pretty(&v).unwrap();
            } else if f.rewrite_manifests {
                stored = serde_json::to_vec(&v).unwrap();
            }
            // Stored under the digest of what was pushed, as a careless registry would.
            st.manifests
                .insert((name.to_string(), pushed_digest.clone()), (ct, stored));
            if !reference.contains(':') {
                st.tags.insert(
                    (name.to_string(), reference.to_string()),
                    pushed_digest.clone(),
                );
            }
            drop(st);
            let mut r = Resp::new(201)
                .h(
                    "Location",
                    location(s, &format!("/v2/{name}/manifests/{pushed_digest}")),
                )
                .h(
                    "Docker-Content-Digest",
                    if f.wrong_digest_header {
                        sha(b"wrong")
                    } else {
                        pushed_digest
                    },
                );
            if let (Some(sd), Some(rf)) = (subject, &f.referrers)
                && !rf.no_oci_subject
            {
                r = r.h("OCI-Subject", sd);
            }
            r
        }
        "DELETE" => {
            if f.delete == Mode::Unsupported {
                drop(st);
                return oci_error(s, 405, "UNSUPPORTED", "delete disabled");
            }
            if !reference.contains(':') {
                drop(st);
                return oci_error(s, 400, "UNSUPPORTED", "delete by tag");
            }
            if !st
                .manifests
                .contains_key(&(name.to_string(), reference.to_string()))
            {
                drop(st);
                return oci_error(s, 404, "MANIFEST_UNKNOWN", "manifest unknown");
            }
            if f.delete == Mode::Works {
                st.manifests
                    .remove(&(name.to_string(), reference.to_string()));
                st.tags.retain(|(r, _), d| !(r == name && d == reference));
            }
            Resp::new(202)
        }
        _ => {
            drop(st);
            oci_error(s, 405, "UNSUPPORTED", "method not allowed")
        }
    }
}

fn tags(s: &Shared, req: &Req, name: &str) -> Resp {
    let st = s.state.lock().unwrap();
    let mut all: Vec<String> = st
        .tags
        .keys()
        .filter(|(r, _)| r == name)
        .map(|(_, t)| t.clone())
        .collect();
    drop(st);
    if s.faults.hide_tags {
        all.clear();
    }
    let n = req.query.get("n").and_then(|n| n.parse::<usize>().ok());
    let (page, link) = match (s.faults.pagination, n) {
        (Mode::Unsupported, _) | (_, None) => (all.clone(), None),
        (mode, Some(n)) => {
            let after: Vec<String> = match (mode, req.query.get("last")) {
                (Mode::Works, Some(l)) => all.iter().filter(|t| *t > l).cloned().collect(),
                _ => all.clone(),
            };
            let page: Vec<String> = after.iter().take(n).cloned().collect();
            let link = (after.len() > n).then(|| {
                let last = page.last().cloned().unwrap_or_default();
                format!("</v2/{name}/tags/list?n={n}&last={last}>; rel=\"next\"")
            });
            (page, link)
        }
    };
    let mut r = Resp::new(200).json(&json!({"name": name, "tags": page}));
    if let Some(l) = link {
        r = r.h("Link", l);
    }
    r
}

fn referrers(s: &Shared, req: &Req, name: &str, subject: &str, f: &ReferrersFaults) -> Resp {
    let st = s.state.lock().unwrap();
    if f.not_found_when_subject_missing
        && !st
            .manifests
            .contains_key(&(name.to_string(), subject.to_string()))
    {
        drop(st);
        return oci_error(s, 404, "MANIFEST_UNKNOWN", "no such subject");
    }
    let mut list: Vec<Value> = Vec::new();
    for ((repo, digest), (ct, bytes)) in st.manifests.iter() {
        if repo != name {
            continue;
        }
        let Ok(v) = serde_json::from_slice::<Value>(bytes) else {
            continue;
        };
        if v.pointer("/subject/digest").and_then(Value::as_str) != Some(subject) {
            continue;
        }
        let mut d = json!({"mediaType": v.get("mediaType").and_then(Value::as_str).unwrap_or(ct), "digest": digest, "size": bytes.len()});
        let config_type = v.pointer("/config/mediaType").cloned();
        let at = if f.wrong_artifact_type {
            config_type
        } else {
            v.get("artifactType").cloned().or(config_type)
        };
        if let Some(at) = at {
            d["artifactType"] = at;
        }
        if !f.drop_annotations
            && let Some(a) = v.get("annotations")
        {
            d["annotations"] = a.clone();
        }
        list.push(d);
    }
    drop(st);
    list.sort_by(|a, b| a["digest"].as_str().cmp(&b["digest"].as_str()));
    if list.is_empty() && f.not_found_when_empty {
        return oci_error(s, 404, "MANIFEST_UNKNOWN", "no referrers");
    }
    let mut applied = false;
    if let Some(t) = req.query.get("artifactType") {
        if f.claim_filter_but_ignore {
            applied = true;
        } else if !f.ignore_filter {
            list.retain(|d| d.get("artifactType").and_then(Value::as_str) == Some(t.as_str()));
            applied = true;
        }
    }
    let mut r = Resp::new(200)
        .h("Content-Type", "application/vnd.oci.image.index.v1+json")
        .body(
            serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": list}))
                .unwrap(),
        );
    if applied {
        r = r.h("OCI-Filters-Applied", "artifactType");
    }
    r
}
