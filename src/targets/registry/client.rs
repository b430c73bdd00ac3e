//! A small blocking OCI distribution client (reqwest + rustls/ring).
//!
//! - Sends the OCI manifest media types in `Accept` on every manifest GET/HEAD.
//! - Follows `Location` headers, relative or absolute, and redirects itself (`Policy::none`), so
//!   that `Authorization` is attached only to requests for the registry's own origin: a blob
//!   redirected to storage on another host never sees the registry's credentials.
//! - Authenticates on demand: HTTP Basic, or the Docker token flow on a
//!   `WWW-Authenticate: Bearer realm=…,service=…,scope=…` challenge.
//! - Streams: uploads read from a `Read`, downloads are verified on the fly; no blob is buffered.
//! - Every error message passes through the [`Redactor`].

use super::config::{Credentials, RegistryConfig, Timeouts, is_loopback};
use crate::digest::{Digest, Hasher, HashingReader};
use crate::targets::redact::Redactor;
use crate::vocabulary::{MANIFEST_ACCEPT, OCTET_STREAM};
use base64::Engine as _;
use reqwest::Method;
use reqwest::blocking::Response as HttpResponse;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, WWW_AUTHENTICATE};
use std::collections::HashMap;
use std::io::{self, Read};
use std::sync::{Mutex, Once};
use std::time::Duration;
use url::Url;

/// Largest manifest, index or error body read into memory.
pub(crate) const MAX_DOCUMENT: u64 = 4 << 20;
/// Most redirects followed for one request.
pub(crate) const MAX_REDIRECTS: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    #[error("{0}")]
    Config(String),
    /// No answer within the configured time.
    #[error(
        "{method} {url}: timed out after {timeout_ms} ms (raise the timeout if the registry is just slow)"
    )]
    Timeout {
        method: String,
        url: String,
        timeout_ms: u128,
    },
    #[error("{method} {url}: {message}")]
    Transport {
        method: String,
        url: String,
        message: String,
    },
    #[error("{0}")]
    Protocol(String),
}

impl ClientError {
    pub(crate) fn is_timeout(&self) -> bool {
        matches!(self, ClientError::Timeout { .. })
    }
}

/// A request body.
pub(crate) enum Body {
    Empty,
    Bytes(Vec<u8>),
    /// A stream of exactly `len` bytes, sent once (never replayed).
    Stream {
        reader: Box<dyn Read + Send>,
        len: u64,
    },
}

/// A response with its headers at hand; the body is read on demand.
pub struct Response {
    pub method: String,
    pub status: u16,
    pub headers: HeaderMap,
    /// The URL that answered (after redirects).
    pub url: Url,
    /// Every URL a redirect sent the request to.
    pub redirects: Vec<Url>,
    inner: HttpResponse,
    redactor: Redactor,
    timeout: Duration,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} → {}", self.method, self.url, self.status)
    }
}

impl Response {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.trim().to_string())
    }

    pub(crate) fn content_type(&self) -> Option<String> {
        self.header("content-type")
    }

    pub(crate) fn content_length(&self) -> Option<u64> {
        self.header("content-length").and_then(|v| v.parse().ok())
    }

    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// `METHOD path → status content-type`, for evidence in findings.
    pub fn summary(&self) -> String {
        format!(
            "{} {} → {} {}",
            self.method,
            self.url.path(),
            self.status,
            self.content_type()
                .unwrap_or_else(|| "(no Content-Type)".into())
        )
    }

    /// Read the whole body, refusing more than `limit` bytes.
    pub(crate) fn bytes_limited(self, limit: u64) -> Result<Vec<u8>, ClientError> {
        let method = self.method.clone();
        let url = self.url.to_string();
        let redactor = self.redactor.clone();
        let timeout = self.timeout;
        let mut buf = Vec::new();
        self.inner
            .take(limit + 1)
            .read_to_end(&mut buf)
            .map_err(|e| io_error(&redactor, &method, &url, timeout, &e))?;
        if buf.len() as u64 > limit {
            return Err(ClientError::Protocol(format!(
                "{method} {}: body larger than {limit} bytes",
                redactor.redact(&url)
            )));
        }
        Ok(buf)
    }

    /// Read a document body (manifest, index, error) of at most [`MAX_DOCUMENT`] bytes.
    pub(crate) fn bytes(self) -> Result<Vec<u8>, ClientError> {
        self.bytes_limited(MAX_DOCUMENT)
    }

    /// A short, redacted snippet of the body for evidence.
    pub fn snippet(self) -> String {
        let redactor = self.redactor.clone();
        match self.bytes_limited(MAX_DOCUMENT) {
            Ok(b) => {
                let s = String::from_utf8_lossy(&b[..b.len().min(200)])
                    .trim()
                    .to_string();
                redactor.redact(&s)
            }
            Err(e) => e.to_string(),
        }
    }

    /// Stream the body through a hasher of `expected`'s algorithm into `sink`; fail on a size or
    /// digest mismatch.
    pub fn verify_into(
        self,
        expected: &Digest,
        expected_size: Option<u64>,
        sink: &mut dyn io::Write,
    ) -> Result<u64, VerifyError> {
        let hasher = Hasher::new(expected.algorithm()).ok_or_else(|| {
            VerifyError::Transfer(format!(
                "unsupported digest algorithm {}",
                expected.algorithm()
            ))
        })?;
        let method = self.method.clone();
        let url = self.url.to_string();
        let redactor = self.redactor.clone();
        let timeout = self.timeout;
        // A body longer than expected is read to one byte past the size, never to its end.
        let bound = expected_size.map_or(u64::MAX, |s| s.saturating_add(1));
        let mut r = HashingReader::new(self.inner.take(bound), hasher);
        io::copy(&mut r, sink).map_err(|e| {
            VerifyError::Transfer(io_error(&redactor, &method, &url, timeout, &e).to_string())
        })?;
        let (got, n) = r.finish();
        if let Some(size) = expected_size
            && n != size
        {
            return Err(VerifyError::Size {
                expected: size,
                got: n,
            });
        }
        if &got != expected {
            return Err(VerifyError::Digest {
                expected: expected.to_string(),
                got: got.to_string(),
                size: n,
            });
        }
        Ok(n)
    }

    /// The body as a reader that fails at its end unless the bytes hash to `expected`.
    pub(crate) fn into_verifying_reader(self, expected: &Digest) -> Option<VerifyingReader> {
        let hasher = Hasher::new(expected.algorithm())?;
        Some(VerifyingReader {
            context: BodyContext {
                method: self.method.clone(),
                url: self.url.to_string(),
                redactor: self.redactor.clone(),
                timeout: self.timeout,
            },
            inner: Some(Box::new(self.inner)),
            hasher: Some(hasher),
            count: 0,
            expected: expected.clone(),
            expected_size: None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("expected {expected} bytes, received {got}")]
    Size { expected: u64, got: u64 },
    #[error("received {size} bytes that hash to {got}, not {expected}")]
    Digest {
        expected: String,
        got: String,
        size: u64,
    },
    #[error("{0}")]
    Transfer(String),
}

/// What a failed body read is reported with: a trickling body ends in "timed out after N ms",
/// not the transport's "request or response body error".
struct BodyContext {
    method: String,
    url: String,
    redactor: Redactor,
    timeout: Duration,
}

impl BodyContext {
    fn explain(&self, e: io::Error) -> io::Error {
        let error = io_error(&self.redactor, &self.method, &self.url, self.timeout, &e);
        let kind = if error.is_timeout() {
            io::ErrorKind::TimedOut
        } else {
            e.kind()
        };
        io::Error::new(kind, error.to_string())
    }
}

/// A reader that verifies the digest (and size, when known) when the stream ends.
pub(crate) struct VerifyingReader {
    context: BodyContext,
    inner: Option<Box<dyn Read + Send>>,
    /// `None` once [`without_digest_check`](Self::without_digest_check): the consumer hashes.
    hasher: Option<Hasher>,
    count: u64,
    expected: Digest,
    expected_size: Option<u64>,
}

impl VerifyingReader {
    pub(crate) fn with_size(mut self, size: Option<u64>) -> Self {
        self.expected_size = size;
        self
    }
    /// Check the length only, and leave the digest to a consumer that hashes every byte
    /// itself and reports a mismatch as a finding (the inspector: DSC-004). Nothing is hashed
    /// here then: a second SHA-256 of every downloaded byte cost `unpack` and `check` from a
    /// registry about 0.5 s of CPU per GiB.
    pub(crate) fn without_digest_check(mut self) -> Self {
        self.hasher = None;
        self
    }
}

impl Read for VerifyingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(inner) = self.inner.as_mut() else {
            return Ok(0);
        };
        let n = inner.read(buf).map_err(|e| self.context.explain(e))?;
        self.count += n as u64;
        if let Some(size) = self.expected_size
            && self.count > size
        {
            self.inner = None;
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("blob {} is longer than its {size} bytes", self.expected),
            ));
        }
        if let Some(h) = self.hasher.as_mut() {
            h.update(&buf[..n]);
        }
        if n == 0 && !buf.is_empty() {
            self.inner = None;
            let count = self.count;
            if let Some(size) = self.expected_size
                && count != size
            {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "blob {}: expected {size} bytes, received {count}",
                        self.expected
                    ),
                ));
            }
            if let Some(got) = self.hasher.take().map(Hasher::finish)
                && got != self.expected
            {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "blob {}: received {count} bytes that hash to {got}",
                        self.expected
                    ),
                ));
            }
        }
        Ok(n)
    }
}

fn io_error(
    r: &Redactor,
    method: &str,
    url: &str,
    timeout: Duration,
    e: &io::Error,
) -> ClientError {
    let mut text = e.to_string();
    let mut timed_out = e.kind() == io::ErrorKind::TimedOut;
    let mut src: Option<&(dyn std::error::Error + 'static)> = e.get_ref().map(|r| r as _);
    while let Some(s) = src {
        if let Some(re) = s.downcast_ref::<reqwest::Error>()
            && re.is_timeout()
        {
            timed_out = true;
        }
        let msg = s.to_string();
        if msg.contains("timed out") || msg.contains("deadline has elapsed") {
            timed_out = true;
        }
        if !text.contains(&msg) {
            text.push_str(": ");
            text.push_str(&msg);
        }
        src = s.source();
    }
    if timed_out {
        ClientError::Timeout {
            method: method.to_string(),
            url: r.redact(url),
            timeout_ms: timeout.as_millis(),
        }
    } else {
        ClientError::Transport {
            method: method.to_string(),
            url: r.redact(url),
            message: r.redact(&format!("reading the body: {text}")),
        }
    }
}

/// One request.
pub(crate) struct Request {
    pub method: Method,
    pub url: Url,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    pub timeout: Duration,
    /// Repository the request acts on (scope of bearer tokens).
    pub repository: Option<String>,
    /// Follow 3xx redirects (GET and HEAD only).
    pub follow_redirects: bool,
}

static PROVIDER: Once = Once::new();

/// Install ring as the process's rustls provider (once; harmless if one is installed already).
pub fn install_crypto_provider() {
    PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The HTTP client, and a description of what its https connections trust.
///
/// reqwest verifies https with the platform verifier, which on Linux needs a system CA store
/// and fails to *build* without one, even for a plain-http registry; air-gapped images often
/// have none. So: `caFile` alone when `caOnly`; else the system store plus `caFile`; and when
/// there is no system store, the Mozilla roots built into this binary plus `caFile`.
fn http_client(
    cfg: &RegistryConfig,
    base: &Url,
) -> Result<(reqwest::blocking::Client, String), ClientError> {
    let builder = || {
        let b = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(cfg.timeouts.connect())
            .timeout(cfg.timeouts.request())
            .user_agent(concat!("ai-interop/", env!("CARGO_PKG_VERSION")));
        if !cfg.use_proxy || is_loopback(base) {
            b.no_proxy()
        } else {
            b
        }
    };
    let built = |b: reqwest::blocking::ClientBuilder| {
        b.build()
            .map_err(|e| ClientError::Config(format!("HTTP client: {e}")))
    };
    if cfg.tls.insecure_skip_verify {
        let http = built(builder().tls_danger_accept_invalid_certs(true))?;
        return Ok((http, "nothing (insecureSkipVerify)".into()));
    }
    let (extra, named) = match &cfg.tls.ca_file {
        Some(ca) => (ca_bundle(ca)?, format!(" and the CA file {}", ca.display())),
        None => (Vec::new(), String::new()),
    };
    if let (true, Some(ca)) = (cfg.tls.ca_only, &cfg.tls.ca_file) {
        let http = built(builder().tls_certs_only(extra))?;
        return Ok((http, format!("only the CA file {}", ca.display())));
    }
    match builder().tls_certs_merge(extra.clone()).build() {
        Ok(http) => Ok((http, format!("the system CA store{named}"))),
        Err(_) => {
            let mut roots = built_in_roots();
            roots.extend(extra);
            let http = built(builder().tls_certs_only(roots))?;
            Ok((
                http,
                format!("the built-in Mozilla roots (no system CA store here){named}"),
            ))
        }
    }
}

/// The certificates of a PEM bundle the user named.
fn ca_bundle(ca: &std::path::Path) -> Result<Vec<reqwest::Certificate>, ClientError> {
    let pem = crate::input::read_bounded(ca, crate::input::MAX_INPUT_BYTES)
        .map_err(|e| ClientError::Config(format!("CA bundle {e}")))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| ClientError::Config(format!("CA bundle {}: {e}", ca.display())))?;
    if certs.is_empty() {
        return Err(ClientError::Config(format!(
            "CA bundle {}: no certificate found",
            ca.display()
        )));
    }
    Ok(certs)
}

/// Mozilla's root certificates, as compiled into this binary (`webpki-root-certs`).
fn built_in_roots() -> Vec<reqwest::Certificate> {
    webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .filter_map(|c| reqwest::Certificate::from_der(c.as_ref()).ok())
        .collect()
}

/// Why a connection failed, when it failed because the peer's certificate was not trusted.
fn certificate_error(e: &reqwest::Error) -> Option<String> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = next {
        if let Some(rustls::Error::InvalidCertificate(why)) = err.downcast_ref::<rustls::Error>() {
            return Some(format!("{why:?}"));
        }
        // io::Error's source() skips the error it wraps (here an io::Error around rustls's).
        next = match err.downcast_ref::<io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}

/// An OCI registry client for one registry origin.
pub struct Client {
    http: reqwest::blocking::Client,
    base: Url,
    timeouts: Timeouts,
    credentials: Credentials,
    /// `Authorization` value per repository scope (`""` = registry-wide).
    auth: Mutex<HashMap<String, String>>,
    redactor: Redactor,
    push: bool,
    /// Which certificates an https connection is verified against, for the error that says
    /// it could not be.
    trust: String,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Client({})", self.base)
    }
}

impl Client {
    pub fn new(cfg: &RegistryConfig) -> Result<Client, ClientError> {
        Self::with_redactor(cfg, Redactor::new())
    }

    pub(crate) fn with_redactor(
        cfg: &RegistryConfig,
        redactor: Redactor,
    ) -> Result<Client, ClientError> {
        install_crypto_provider();
        let base = cfg
            .base_url()
            .map_err(|e| ClientError::Config(e.to_string()))?;
        let credentials = cfg
            .credentials()
            .map_err(|e| ClientError::Config(redactor.redact(&e.to_string())))?;
        match &credentials {
            Credentials::Basic { username, password } => {
                redactor.add_basic(username, password.expose())
            }
            Credentials::Token(t) => redactor.add(t.expose()),
            Credentials::Anonymous => {}
        }
        let (http, trust) = http_client(cfg, &base).map_err(|e| match e {
            ClientError::Config(m) => ClientError::Config(redactor.redact(&m)),
            other => other,
        })?;
        Ok(Client {
            http,
            base,
            timeouts: cfg.timeouts,
            credentials,
            auth: Mutex::new(HashMap::new()),
            redactor,
            push: !cfg.read_only,
            trust,
        })
    }

    pub(crate) fn base(&self) -> &Url {
        &self.base
    }
    pub(crate) fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// `<base>/v2/<path>`.
    pub(crate) fn url(&self, path: &str) -> Url {
        let mut u = self.base.clone();
        u.set_path(&format!("/v2/{}", path.trim_start_matches('/')));
        u
    }

    /// Resolve a `Location` header, relative or absolute, against the URL that sent it.
    pub(crate) fn resolve_location(&self, from: &Url, location: &str) -> Result<Url, ClientError> {
        from.join(location).map_err(|e| {
            ClientError::Protocol(format!(
                "unusable Location {:?}: {e}",
                self.redactor.redact(location)
            ))
        })
    }

    /// A request with the default timeout.
    pub(crate) fn request(&self, method: Method, url: Url, repository: Option<&str>) -> Request {
        Request {
            method,
            url,
            headers: Vec::new(),
            body: Body::Empty,
            timeout: self.timeouts.request(),
            repository: repository.map(str::to_string),
            follow_redirects: true,
        }
    }

    fn same_origin(&self, url: &Url) -> bool {
        url.scheme() == self.base.scheme()
            && url.host_str() == self.base.host_str()
            && url.port_or_known_default() == self.base.port_or_known_default()
    }

    fn auth_header(&self, repository: Option<&str>) -> Option<String> {
        if let Credentials::Token(t) = &self.credentials {
            return Some(format!("Bearer {}", t.expose()));
        }
        let map = self.auth.lock().unwrap_or_else(|e| e.into_inner());
        map.get(repository.unwrap_or(""))
            .or_else(|| map.get(""))
            .cloned()
    }

    fn transport_error(
        &self,
        method: &Method,
        url: &Url,
        timeout: Duration,
        e: reqwest::Error,
    ) -> ClientError {
        if e.is_timeout() {
            return ClientError::Timeout {
                method: method.to_string(),
                url: self.redactor.redact(url.as_str()),
                timeout_ms: timeout.as_millis(),
            };
        }
        if let Some(why) = certificate_error(&e) {
            return ClientError::Transport {
                method: method.to_string(),
                url: self.redactor.redact(url.as_str()),
                message: format!(
                    "TLS: the registry's certificate cannot be verified ({why}) against {}; \
                     name the CA that signed it with --ca-file FILE (or \
                     AI_INTEROP_REGISTRY_CA_FILE, or tls.caFile in the registry config)",
                    self.trust
                ),
            };
        }
        let mut msg = e.to_string();
        let mut src: Option<&dyn std::error::Error> = std::error::Error::source(&e);
        while let Some(s) = src {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
            src = s.source();
        }
        ClientError::Transport {
            method: method.to_string(),
            url: self.redactor.redact(url.as_str()),
            message: self.redactor.redact(&msg),
        }
    }

    /// Send a request: authenticate on a challenge, follow redirects (GET/HEAD), never send
    /// `Authorization` off the registry's origin.
    pub(crate) fn send(&self, req: Request) -> Result<Response, ClientError> {
        let Request {
            method,
            mut url,
            headers,
            body,
            timeout,
            repository,
            follow_redirects,
        } = req;
        let (replayable, mut stream) = match body {
            Body::Empty => (Some(Vec::new()), None),
            Body::Bytes(b) => (Some(b), None),
            Body::Stream { reader, len } => (None, Some((reader, len))),
        };
        let mut redirects = Vec::new();
        let mut authenticated = false;
        loop {
            let mut rb = self
                .http
                .request(method.clone(), url.clone())
                .timeout(timeout);
            for (k, v) in &headers {
                rb = rb.header(k.as_str(), v.as_str());
            }
            if self.same_origin(&url)
                && let Some(h) = self.auth_header(repository.as_deref())
            {
                rb = rb.header(AUTHORIZATION, h);
            }
            match (&replayable, stream.take()) {
                (_, Some((reader, len))) => {
                    rb = rb.body(reqwest::blocking::Body::sized(reader, len));
                }
                (Some(b), None) if !b.is_empty() => {
                    rb = rb.body(b.clone());
                }
                (Some(_), None) => {
                    if method == Method::PUT || method == Method::POST || method == Method::PATCH {
                        rb = rb.header("content-length", "0");
                    }
                }
                (None, None) => {
                    return Err(ClientError::Protocol(format!(
                        "{method} {}: the stream body was already sent and cannot be replayed \
                         (authenticate before streaming)",
                        self.redactor.redact(url.as_str())
                    )));
                }
            }
            let resp = rb
                .send()
                .map_err(|e| self.transport_error(&method, &url, timeout, e))?;
            let status = resp.status().as_u16();
            if status == 401
                && !authenticated
                && replayable.is_some()
                && self.same_origin(&url)
                && self.authenticate(&resp, repository.as_deref())?
            {
                authenticated = true;
                continue;
            }
            if follow_redirects
                && matches!(status, 301 | 302 | 303 | 307 | 308)
                && (method == Method::GET || method == Method::HEAD)
                && let Some(loc) = resp.headers().get("location").and_then(|v| v.to_str().ok())
            {
                let next = self.resolve_location(&url, loc)?;
                if redirects.len() >= MAX_REDIRECTS {
                    return Err(ClientError::Protocol(format!(
                        "{method} {}: more than {MAX_REDIRECTS} redirects",
                        self.redactor.redact(url.as_str())
                    )));
                }
                redirects.push(next.clone());
                url = next;
                continue;
            }
            return Ok(Response {
                method: method.to_string(),
                status,
                headers: resp.headers().clone(),
                url,
                redirects,
                inner: resp,
                redactor: self.redactor.clone(),
                timeout,
            });
        }
    }

    /// Answer a 401 challenge. Returns whether a retry makes sense.
    fn authenticate(
        &self,
        resp: &HttpResponse,
        repository: Option<&str>,
    ) -> Result<bool, ClientError> {
        let Some(challenge) = resp
            .headers()
            .get(WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
        else {
            return Ok(false);
        };
        let (scheme, params) = parse_challenge(challenge);
        let key = repository.unwrap_or("").to_string();
        let header = match scheme.to_ascii_lowercase().as_str() {
            "basic" => match &self.credentials {
                Credentials::Basic { username, password } => format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD
                        .encode(format!("{username}:{}", password.expose()))
                ),
                _ => return Ok(false),
            },
            "bearer" => {
                let Some(realm) = params.get("realm") else {
                    return Ok(false);
                };
                let mut token_url = Url::parse(realm).map_err(|_| {
                    ClientError::Protocol(format!(
                        "bearer challenge with an unusable realm {:?}",
                        self.redactor.redact(realm)
                    ))
                })?;
                if token_url.scheme() != "https"
                    && !(is_loopback(&token_url) || token_url.scheme() == self.base.scheme())
                {
                    return Err(ClientError::Protocol(
                        "bearer realm uses plain http off loopback; refusing to send credentials"
                            .into(),
                    ));
                }
                let scope = params.get("scope").cloned().or_else(|| {
                    repository.map(|r| {
                        format!(
                            "repository:{r}:{}",
                            if self.push { "pull,push" } else { "pull" }
                        )
                    })
                });
                {
                    let mut q = token_url.query_pairs_mut();
                    if let Some(s) = params.get("service") {
                        q.append_pair("service", s);
                    }
                    if let Some(s) = &scope {
                        q.append_pair("scope", s);
                    }
                }
                let mut rb = self
                    .http
                    .get(token_url.clone())
                    .timeout(self.timeouts.request());
                if let Credentials::Basic { username, password } = &self.credentials {
                    rb = rb.basic_auth(username, Some(password.expose()));
                }
                let method = Method::GET;
                let r = rb.send().map_err(|e| {
                    self.transport_error(&method, &token_url, self.timeouts.request(), e)
                })?;
                if !r.status().is_success() {
                    return Err(ClientError::Protocol(format!(
                        "token endpoint {} answered {}",
                        self.redactor.redact(token_url.path()),
                        r.status().as_u16()
                    )));
                }
                let mut buf = Vec::new();
                r.take(MAX_DOCUMENT)
                    .read_to_end(&mut buf)
                    .map_err(|e| ClientError::Protocol(format!("token response: {e}")))?;
                let doc: serde_json::Value = serde_json::from_slice(&buf).map_err(|_| {
                    ClientError::Protocol(
                        "token endpoint answered something other than JSON".into(),
                    )
                })?;
                let token = doc
                    .get("token")
                    .or_else(|| doc.get("access_token"))
                    .and_then(|t| t.as_str())
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| {
                        ClientError::Protocol("token response holds no `token`".into())
                    })?;
                self.redactor.add(token);
                format!("Bearer {token}")
            }
            _ => return Ok(false),
        };
        let mut map = self.auth.lock().unwrap_or_else(|e| e.into_inner());
        if map.get(&key) == Some(&header) {
            // The same credentials were just refused.
            return Ok(false);
        }
        if scheme.eq_ignore_ascii_case("basic") {
            map.insert(String::new(), header.clone());
        }
        map.insert(key, header);
        Ok(true)
    }

    // ---- convenience calls -------------------------------------------------------------

    /// GET or HEAD a manifest by tag or digest, with the OCI `Accept` types.
    pub(crate) fn manifest(
        &self,
        method: Method,
        repo: &str,
        reference: &str,
    ) -> Result<Response, ClientError> {
        let mut req = self.request(
            method,
            self.url(&format!("{repo}/manifests/{reference}")),
            Some(repo),
        );
        req.headers
            .push((ACCEPT.to_string(), MANIFEST_ACCEPT.to_string()));
        self.send(req)
    }

    /// PUT a manifest with its media type.
    pub fn put_manifest(
        &self,
        repo: &str,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<Response, ClientError> {
        let mut req = self.request(
            Method::PUT,
            self.url(&format!("{repo}/manifests/{reference}")),
            Some(repo),
        );
        req.headers.push(("content-type".into(), media_type.into()));
        req.body = Body::Bytes(bytes.to_vec());
        self.send(req)
    }

    /// GET or HEAD a blob, following redirects.
    pub fn blob(
        &self,
        method: Method,
        repo: &str,
        digest: &Digest,
        large: bool,
    ) -> Result<Response, ClientError> {
        let mut req = self.request(
            method,
            self.url(&format!("{repo}/blobs/{digest}")),
            Some(repo),
        );
        if large {
            req.timeout = self.timeouts.large_blob();
        }
        self.send(req)
    }

    /// Start an upload session: `POST /v2/<repo>/blobs/uploads/`.
    pub(crate) fn start_upload(&self, repo: &str) -> Result<Response, ClientError> {
        let req = self.request(
            Method::POST,
            self.url(&format!("{repo}/blobs/uploads/")),
            Some(repo),
        );
        self.send(req)
    }

    /// The `Location` of a response, resolved; an error naming the step when missing.
    pub(crate) fn location(&self, resp: &Response, step: &str) -> Result<Url, ClientError> {
        let loc = resp.header("location").ok_or_else(|| {
            ClientError::Protocol(format!(
                "{step}: {} without a Location header",
                resp.summary()
            ))
        })?;
        self.resolve_location(&resp.url, &loc)
    }

    /// Monolithic upload: POST, then PUT `?digest=` with the whole body streamed from `reader`.
    pub fn push_blob(
        &self,
        repo: &str,
        digest: &Digest,
        len: u64,
        reader: Box<dyn Read + Send>,
        large: bool,
    ) -> Result<Response, ClientError> {
        let start = self.start_upload(repo)?;
        if start.status != 202 {
            return Err(ClientError::Protocol(format!(
                "upload start: {} (expected 202): {}",
                start.summary(),
                start.snippet()
            )));
        }
        let mut put_url = self.location(&start, "upload start")?;
        put_url
            .query_pairs_mut()
            .append_pair("digest", &digest.to_string());
        let mut req = self.request(Method::PUT, put_url, Some(repo));
        req.headers
            .push(("content-type".into(), OCTET_STREAM.into()));
        req.body = Body::Stream { reader, len };
        req.follow_redirects = false;
        if large {
            req.timeout = self.timeouts.large_blob();
        }
        self.send(req)
    }

    /// Push a small blob from memory (monolithic); errors unless the registry answers 201.
    pub fn push_bytes(&self, repo: &str, bytes: &[u8]) -> Result<Digest, ClientError> {
        let digest = Digest::sha256_of(bytes);
        let resp = self.push_blob(
            repo,
            &digest,
            bytes.len() as u64,
            Box::new(io::Cursor::new(bytes.to_vec())),
            false,
        )?;
        if resp.status != 201 {
            return Err(ClientError::Protocol(format!(
                "blob upload: {} (expected 201): {}",
                resp.summary(),
                resp.snippet()
            )));
        }
        Ok(digest)
    }
}

/// Parse `Scheme k="v", k2=v2` (values may be quoted and contain commas).
pub(crate) fn parse_challenge(header: &str) -> (String, HashMap<String, String>) {
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    let mut params = HashMap::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String = chars
            .by_ref()
            .take_while(|c| *c != '=')
            .collect::<String>()
            .trim()
            .to_ascii_lowercase();
        if key.is_empty() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            value.push(n);
                        }
                    }
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.peek() {
                if *c == ',' {
                    break;
                }
                value.push(*c);
                chars.next();
            }
            value = value.trim().to_string();
        }
        params.insert(key, value);
    }
    (scheme.to_string(), params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_parsing() {
        let (s, p) = parse_challenge(
            r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push""#,
        );
        assert_eq!(s, "Bearer");
        assert_eq!(p["realm"], "https://auth.example/token");
        assert_eq!(p["service"], "registry.example");
        assert_eq!(p["scope"], "repository:a/b:pull,push");
        let (s, p) = parse_challenge(r#"Basic realm="Registry Realm""#);
        assert_eq!(s, "Basic");
        assert_eq!(p["realm"], "Registry Realm");
        let (_, p) = parse_challenge("Bearer realm=x, error=invalid_token");
        assert_eq!(p["realm"], "x");
        assert_eq!(p["error"], "invalid_token");
        // Hostile input never panics.
        for h in [
            "",
            "Bearer",
            "Bearer =",
            "Bearer a=\"unterminated",
            "Bearer ,,,=,",
        ] {
            let _ = parse_challenge(h);
        }
    }

    #[test]
    fn verifying_reader_detects_mismatch() {
        let good = Digest::sha256_of(b"hello");
        let mk = |data: &'static [u8]| VerifyingReader {
            context: BodyContext {
                method: "GET".into(),
                url: "http://127.0.0.1/v2/r/blobs/x".into(),
                redactor: Redactor::default(),
                timeout: Duration::from_secs(1),
            },
            inner: Some(Box::new(io::Cursor::new(data)) as Box<dyn Read + Send>),
            hasher: Hasher::new("sha256"),
            count: 0,
            expected: good.clone(),
            expected_size: Some(5),
        };
        let mut out = Vec::new();
        mk(b"hello").read_to_end(&mut out).unwrap();
        assert_eq!(out, b"hello");
        assert!(mk(b"hellO").read_to_end(&mut Vec::new()).is_err());
        assert!(mk(b"hello!").read_to_end(&mut Vec::new()).is_err());
        // Without the digest check, other bytes of the right length pass; lengths still count.
        assert!(
            mk(b"hellO")
                .without_digest_check()
                .read_to_end(&mut Vec::new())
                .is_ok()
        );
        assert!(
            mk(b"hello!")
                .without_digest_check()
                .read_to_end(&mut Vec::new())
                .is_err()
        );
        // The consumer hashes: nothing is hashed here a second time.
        assert!(mk(b"hello").without_digest_check().hasher.is_none());
    }
}
