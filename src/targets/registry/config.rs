//! Target configuration: a JSON file plus `AI_INTEROP_REGISTRY_*` environment overrides.
//!
//! Precedence: environment > file > defaults. Every network timeout, every size and every switch
//! the suite reads is here, so that nobody has to patch the source to fit a registry.
//!
//! ```json
//! {
//!   "url": "https://registry.example.com",
//!   "namespace": "ai-interop/conformance",
//!   "auth": { "username": "ci", "password": "…" },
//!   "tls": { "caFile": "/etc/ssl/private-ca.pem" },
//!   "timeouts": { "connectMs": 10000, "requestMs": 60000, "largeBlobMs": 1800000 },
//!   "chunkSize": 1048576,
//!   "largeBlobSize": 268435456,
//!   "readOnly": false,
//!   "seeded": null,
//!   "cleanup": true,
//!   "delete": true,
//!   "fixtures": "fixtures/v1.0"
//! }
//! ```
//!
//! Environment (`AI_INTEROP_REGISTRY_` + name): `CONFIG` (path of the JSON file), `URL`,
//! `NAMESPACE`, `UNIQUE_NAMESPACE`, `ALLOW_PLAIN_HTTP`, `USERNAME`, `PASSWORD`, `TOKEN`,
//! `DOCKER_CONFIG`, `CA_FILE`, `CA_ONLY`, `INSECURE_SKIP_VERIFY`, `CONNECT_TIMEOUT_MS`,
//! `REQUEST_TIMEOUT_MS`, `LARGE_BLOB_TIMEOUT_MS`, `CHUNK_SIZE`, `LARGE_BLOB_SIZE`, `READ_ONLY`,
//! `SEEDED`, `CLEANUP`, `DELETE`, `USE_PROXY`, `FIXTURES`. Without explicit credentials, the `auths` entry of
//! `$DOCKER_CONFIG/config.json` (or `~/.docker/config.json`) for the registry host is used.

use crate::targets::redact::Secret;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use url::Url;

/// Prefix of every environment override.
pub(crate) const ENV_PREFIX: &str = "AI_INTEROP_REGISTRY_";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("registry configuration {path}: {message}")]
    File { path: String, message: String },
    #[error("{var}: {message}")]
    Env { var: String, message: String },
    #[error("registry configuration: {0}")]
    Invalid(String),
}

/// How to reach and exercise one registry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct RegistryConfig {
    /// Base URL, e.g. `https://registry.example.com` or `http://127.0.0.1:5000`.
    /// Plain `http` is accepted for loopback hosts only, unless `allowPlainHttp` is set.
    pub url: String,
    /// Repository prefix; each run works under `<namespace>/<run id>/…`.
    pub namespace: String,
    /// Append a unique run ID to the namespace (on by default, so runs never collide).
    pub unique_namespace: bool,
    pub allow_plain_http: bool,
    pub auth: AuthConfig,
    pub tls: TlsConfig,
    pub timeouts: Timeouts,
    /// Chunk size of chunked uploads, in bytes.
    pub chunk_size: u64,
    /// Size of the large-blob check, in bytes (default 256 MiB).
    pub large_blob_size: u64,
    /// Pull-only checks against content seeded beforehand (`seeded`).
    pub read_only: bool,
    /// What read-only mode checks: `<repo>:<tag>` or `<repo>@<digest>` inside this registry.
    pub seeded: Option<String>,
    /// Delete what the run pushed when it ends.
    pub cleanup: bool,
    /// Exercise DELETE (feature `delete`); off for registries where deleting is forbidden.
    pub delete: bool,
    /// Honour `HTTP(S)_PROXY` for non-loopback registries.
    pub use_proxy: bool,
    /// The golden fixture tree whose positive model cases (`model/pass-*`) the suite pushes and
    /// pulls back. Default: `fixtures/v1.0` of the working directory, else of the source tree.
    pub fixtures: Option<PathBuf>,
}

impl Default for RegistryConfig {
    fn default() -> Self {
        RegistryConfig {
            url: String::new(),
            namespace: "ai-interop/conformance".into(),
            unique_namespace: true,
            allow_plain_http: false,
            auth: AuthConfig::default(),
            tls: TlsConfig::default(),
            timeouts: Timeouts::default(),
            chunk_size: 1 << 20,
            large_blob_size: 256 << 20,
            read_only: false,
            seeded: None,
            cleanup: true,
            delete: true,
            use_proxy: true,
            fixtures: None,
        }
    }
}

/// Credentials. With none set, the client is anonymous (it still follows bearer challenges, as
/// public registries hand out anonymous pull tokens).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthConfig {
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// A bearer token sent as is (no challenge flow).
    pub token: Option<Secret>,
    /// Read credentials from this Docker `config.json` (`auths.<host>.auth`); `true`-like
    /// default: `$DOCKER_CONFIG/config.json` or `~/.docker/config.json` when no other
    /// credential is set.
    pub docker_config: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM bundle of extra trusted CA certificates.
    pub ca_file: Option<PathBuf>,
    /// Trust only `caFile`, not the system store as well.
    pub ca_only: bool,
    /// Accept any certificate. Never for certification runs.
    pub insecure_skip_verify: bool,
}

/// Every network timeout, in milliseconds.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct Timeouts {
    pub connect_ms: u64,
    /// One ordinary request, body included.
    pub request_ms: u64,
    /// One large-blob transfer, body included.
    pub large_blob_ms: u64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect_ms: 10_000,
            request_ms: 60_000,
            large_blob_ms: 30 * 60_000,
        }
    }
}

impl Timeouts {
    pub fn connect(&self) -> Duration {
        Duration::from_millis(self.connect_ms)
    }
    pub fn request(&self) -> Duration {
        Duration::from_millis(self.request_ms)
    }
    pub(crate) fn large_blob(&self) -> Duration {
        Duration::from_millis(self.large_blob_ms)
    }
}

/// Resolved credentials for one registry host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Credentials {
    #[default]
    Anonymous,
    Basic {
        username: String,
        password: Secret,
    },
    Token(Secret),
}

impl RegistryConfig {
    /// A configuration for `url` with every default.
    pub fn for_url(url: &str) -> Self {
        RegistryConfig {
            url: url.to_string(),
            ..Default::default()
        }
    }

    /// Read a JSON configuration file.
    pub(crate) fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let err = |message: String| ConfigError::File {
            path: path.display().to_string(),
            message,
        };
        let text = crate::input::read_bounded_text(path, crate::input::MAX_INPUT_BYTES)
            .map_err(|e| err(e.to_string()))?;
        serde_json::from_str(&text).map_err(|e| err(e.to_string()))
    }

    /// The configuration the environment describes: the file named by
    /// `AI_INTEROP_REGISTRY_CONFIG` (if any), then every override.
    pub(crate) fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// [`from_env`](Self::from_env) with an injectable lookup (for tests).
    pub(crate) fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut cfg = match get(&format!("{ENV_PREFIX}CONFIG")) {
            Some(p) if !p.is_empty() => Self::from_file(Path::new(&p))?,
            _ => RegistryConfig::default(),
        };
        cfg.apply_env(get)?;
        Ok(cfg)
    }

    /// Apply `AI_INTEROP_REGISTRY_*` overrides.
    pub(crate) fn apply_env(
        &mut self,
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        let var = |name: &str| get(&format!("{ENV_PREFIX}{name}")).filter(|v| !v.is_empty());
        let num = |name: &str| -> Result<Option<u64>, ConfigError> {
            var(name)
                .map(|v| {
                    v.trim().parse::<u64>().map_err(|_| ConfigError::Env {
                        var: format!("{ENV_PREFIX}{name}"),
                        message: format!("expected a whole number, got {v:?}"),
                    })
                })
                .transpose()
        };
        let flag = |name: &str| -> Result<Option<bool>, ConfigError> {
            var(name)
                .map(|v| match v.trim().to_ascii_lowercase().as_str() {
                    "1" | "true" | "yes" | "on" => Ok(true),
                    "0" | "false" | "no" | "off" => Ok(false),
                    _ => Err(ConfigError::Env {
                        var: format!("{ENV_PREFIX}{name}"),
                        message: format!("expected true or false, got {v:?}"),
                    }),
                })
                .transpose()
        };
        if let Some(v) = var("URL") {
            self.url = v;
        }
        if let Some(v) = var("NAMESPACE") {
            self.namespace = v;
        }
        if let Some(v) = flag("UNIQUE_NAMESPACE")? {
            self.unique_namespace = v;
        }
        if let Some(v) = flag("ALLOW_PLAIN_HTTP")? {
            self.allow_plain_http = v;
        }
        if let Some(v) = var("USERNAME") {
            self.auth.username = Some(v);
        }
        if let Some(v) = var("PASSWORD") {
            self.auth.password = Some(Secret::new(v));
        }
        if let Some(v) = var("TOKEN") {
            self.auth.token = Some(Secret::new(v));
        }
        if let Some(v) = var("DOCKER_CONFIG") {
            self.auth.docker_config = Some(PathBuf::from(v));
        }
        if let Some(v) = var("CA_FILE") {
            self.tls.ca_file = Some(PathBuf::from(v));
        }
        if let Some(v) = flag("CA_ONLY")? {
            self.tls.ca_only = v;
        }
        if let Some(v) = flag("INSECURE_SKIP_VERIFY")? {
            self.tls.insecure_skip_verify = v;
        }
        if let Some(v) = num("CONNECT_TIMEOUT_MS")? {
            self.timeouts.connect_ms = v;
        }
        if let Some(v) = num("REQUEST_TIMEOUT_MS")? {
            self.timeouts.request_ms = v;
        }
        if let Some(v) = num("LARGE_BLOB_TIMEOUT_MS")? {
            self.timeouts.large_blob_ms = v;
        }
        if let Some(v) = num("CHUNK_SIZE")? {
            self.chunk_size = v;
        }
        if let Some(v) = num("LARGE_BLOB_SIZE")? {
            self.large_blob_size = v;
        }
        if let Some(v) = flag("READ_ONLY")? {
            self.read_only = v;
        }
        if let Some(v) = var("SEEDED") {
            self.seeded = Some(v);
        }
        if let Some(v) = flag("CLEANUP")? {
            self.cleanup = v;
        }
        if let Some(v) = flag("DELETE")? {
            self.delete = v;
        }
        if let Some(v) = flag("USE_PROXY")? {
            self.use_proxy = v;
        }
        if let Some(v) = var("FIXTURES") {
            self.fixtures = Some(PathBuf::from(v));
        }
        Ok(())
    }

    /// The parsed, policy-checked base URL (scheme, host, port; no credentials, no path).
    pub(crate) fn base_url(&self) -> Result<Url, ConfigError> {
        let bad = |m: &str| ConfigError::Invalid(format!("url {:?}: {m}", self.url));
        if self.url.is_empty() {
            return Err(ConfigError::Invalid(format!(
                "no registry URL (set `url` or {ENV_PREFIX}URL)"
            )));
        }
        let with_scheme = if self.url.contains("://") {
            self.url.clone()
        } else {
            format!("https://{}", self.url)
        };
        let url = Url::parse(&with_scheme).map_err(|e| bad(&e.to_string()))?;
        if !url.username().is_empty() || url.password().is_some() {
            // Do not echo the URL: it holds a credential.
            return Err(ConfigError::Invalid(
                "the registry URL carries credentials; put them under `auth` or in the \
                 environment instead"
                    .into(),
            ));
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) || self.allow_plain_http => {}
            "http" => return Err(bad("plain http is allowed for loopback hosts only")),
            _ => return Err(bad("scheme must be http or https")),
        }
        if url.host_str().is_none() {
            return Err(bad("no host"));
        }
        let mut base = url.clone();
        base.set_path("/");
        base.set_query(None);
        base.set_fragment(None);
        Ok(base)
    }

    /// Sanity of sizes and timeouts.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.base_url()?;
        if self.chunk_size == 0 {
            return Err(ConfigError::Invalid("chunkSize must be positive".into()));
        }
        if self.timeouts.connect_ms == 0
            || self.timeouts.request_ms == 0
            || self.timeouts.large_blob_ms == 0
        {
            return Err(ConfigError::Invalid("timeouts must be positive".into()));
        }
        if self.read_only && self.seeded.is_none() {
            return Err(ConfigError::Invalid(format!(
                "readOnly needs `seeded` ({ENV_PREFIX}SEEDED): the content to check"
            )));
        }
        Ok(())
    }

    /// The fixture tree to push, and whether it was named explicitly (a named tree that is
    /// missing is an error; a missing default only means no fixture is pushed).
    pub fn fixtures_dir(&self) -> (PathBuf, bool) {
        match &self.fixtures {
            Some(p) => (p.clone(), true),
            None => (default_fixtures_dir(), false),
        }
    }

    /// The repository prefix of this run: `<namespace>/<run id>` or the namespace itself.
    pub fn run_namespace(&self) -> String {
        let ns = self.namespace.trim_matches('/').to_string();
        if !self.unique_namespace {
            return ns;
        }
        format!("{ns}/{}", run_id())
    }

    /// Credentials for the registry host, from config, environment (already applied) or the
    /// Docker config file.
    pub fn credentials(&self) -> Result<Credentials, ConfigError> {
        if let Some(t) = &self.auth.token {
            return Ok(Credentials::Token(t.clone()));
        }
        if let Some(u) = &self.auth.username {
            return Ok(Credentials::Basic {
                username: u.clone(),
                password: self.auth.password.clone().unwrap_or_default(),
            });
        }
        let explicit = self.auth.docker_config.is_some();
        let path = match &self.auth.docker_config {
            Some(p) => Some(p.clone()),
            None => default_docker_config(),
        };
        let Some(path) = path else {
            return Ok(Credentials::Anonymous);
        };
        if !path.exists() {
            if explicit {
                return Err(ConfigError::File {
                    path: path.display().to_string(),
                    message: "Docker config not found".into(),
                });
            }
            return Ok(Credentials::Anonymous);
        }
        let base = self.base_url()?;
        let host = host_port(&base);
        docker_config_credentials(&path, &host)
    }
}

/// `fixtures/v1.0` of the working directory (never the build machine's source tree; the command
/// line passes the tree built into the binary instead).
pub(crate) fn default_fixtures_dir() -> PathBuf {
    PathBuf::from("fixtures/v1.0")
}

/// `host[:port]` as Docker's `auths` keys it.
pub(crate) fn host_port(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => String::new(),
    }
}

pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    }
}

fn default_docker_config() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("DOCKER_CONFIG") {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var("HOME")
        .ok()
        .map(|h| PathBuf::from(h).join(".docker/config.json"))
}

/// Credentials for `host` from a Docker `config.json`: `auths.<key>.auth` (base64 of
/// `user:password`) or `username`/`password`, or `identitytoken`/`registrytoken`. Keys may carry
/// a scheme or a path (`https://host/v1/`).
pub(crate) fn docker_config_credentials(
    path: &Path,
    host: &str,
) -> Result<Credentials, ConfigError> {
    let err = |message: String| ConfigError::File {
        path: path.display().to_string(),
        message,
    };
    let text = crate::input::read_bounded_text(path, crate::input::MAX_INPUT_BYTES)
        .map_err(|e| err(e.to_string()))?;
    let doc: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| err(format!("not JSON: {e}")))?;
    let Some(auths) = doc.get("auths").and_then(|a| a.as_object()) else {
        return Ok(Credentials::Anonymous);
    };
    let normalize = |k: &str| {
        let k = k
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        k.split('/').next().unwrap_or("").to_string()
    };
    let Some(entry) = auths
        .iter()
        .find(|(k, _)| normalize(k) == host)
        .map(|(_, v)| v)
    else {
        return Ok(Credentials::Anonymous);
    };
    let field = |n: &str| {
        entry
            .get(n)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
    };
    if let Some(t) = field("registrytoken") {
        return Ok(Credentials::Token(Secret::new(t)));
    }
    if let Some(a) = field("auth") {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(a.trim())
            .map_err(|_| err(format!("auths entry for {host}: `auth` is not base64")))?;
        let pair = String::from_utf8(raw)
            .map_err(|_| err(format!("auths entry for {host}: `auth` is not UTF-8")))?;
        let (u, p) = pair.split_once(':').ok_or_else(|| {
            err(format!(
                "auths entry for {host}: `auth` is not user:password"
            ))
        })?;
        return Ok(Credentials::Basic {
            username: u.to_string(),
            password: Secret::new(p),
        });
    }
    if let (Some(u), Some(p)) = (field("username"), field("password")) {
        return Ok(Credentials::Basic {
            username: u.to_string(),
            password: Secret::new(p),
        });
    }
    Ok(Credentials::Anonymous)
}

/// A run ID unique enough for parallel runs: time, process and a counter.
pub fn run_id() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(
        "run-{:x}-{:x}-{n}",
        (nanos / 1_000_000) as u64,
        std::process::id()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn file_then_env_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        std::fs::write(
            &p,
            r#"{"url":"https://r.example","namespace":"ns","timeouts":{"requestMs":5},"largeBlobSize":10}"#,
        )
        .unwrap();
        let cfg = RegistryConfig::from_lookup(lookup(&[
            ("AI_INTEROP_REGISTRY_CONFIG", p.to_str().unwrap()),
            ("AI_INTEROP_REGISTRY_REQUEST_TIMEOUT_MS", "1000"),
            ("AI_INTEROP_REGISTRY_READ_ONLY", "true"),
            ("AI_INTEROP_REGISTRY_SEEDED", "a/b:c"),
        ]))
        .unwrap();
        assert_eq!(cfg.url, "https://r.example");
        assert_eq!(cfg.timeouts.request_ms, 1000);
        assert_eq!(cfg.large_blob_size, 10);
        assert!(cfg.read_only);
        cfg.validate().unwrap();
        assert!(cfg.run_namespace().starts_with("ns/run-"));
        assert_ne!(cfg.run_namespace(), cfg.run_namespace());
    }

    #[test]
    fn rejects_bad_values_and_unknown_fields() {
        assert!(
            RegistryConfig::from_lookup(lookup(&[("AI_INTEROP_REGISTRY_CHUNK_SIZE", "x")]))
                .is_err()
        );
        assert!(serde_json::from_str::<RegistryConfig>(r#"{"urll":"x"}"#).is_err());
    }

    #[test]
    fn plain_http_only_for_loopback_and_no_userinfo() {
        assert!(
            RegistryConfig::for_url("http://127.0.0.1:5000")
                .base_url()
                .is_ok()
        );
        assert!(
            RegistryConfig::for_url("http://localhost:5000")
                .base_url()
                .is_ok()
        );
        assert!(
            RegistryConfig::for_url("http://r.example")
                .base_url()
                .is_err()
        );
        let e = RegistryConfig::for_url("https://u:topsecret@r.example")
            .base_url()
            .unwrap_err()
            .to_string();
        assert!(!e.contains("topsecret"), "{e}");
        assert_eq!(
            RegistryConfig::for_url("r.example:5000/x")
                .base_url()
                .unwrap()
                .as_str(),
            "https://r.example:5000/"
        );
    }

    #[test]
    fn docker_config_auth_entry() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.json");
        let auth = base64::engine::general_purpose::STANDARD.encode("carol:pa:ss");
        std::fs::write(
            &p,
            format!(
                r#"{{"auths":{{"https://r.example:5000/v1/":{{"auth":"{auth}"}},"other":{{}}}}}}"#
            ),
        )
        .unwrap();
        let mut cfg = RegistryConfig::for_url("https://r.example:5000");
        cfg.auth.docker_config = Some(p.clone());
        assert_eq!(
            cfg.credentials().unwrap(),
            Credentials::Basic {
                username: "carol".into(),
                password: Secret::new("pa:ss")
            }
        );
        cfg.url = "https://elsewhere".into();
        assert_eq!(cfg.credentials().unwrap(), Credentials::Anonymous);
        // Explicit credentials win over the file.
        cfg.auth.username = Some("dave".into());
        assert!(
            matches!(cfg.credentials().unwrap(), Credentials::Basic { username, .. } if username == "dave")
        );
    }

    #[test]
    fn serialized_config_hides_secrets() {
        let mut cfg = RegistryConfig::for_url("https://r.example");
        cfg.auth.password = Some(Secret::new("very-secret"));
        let s = serde_json::to_string(&cfg).unwrap();
        assert!(!s.contains("very-secret"));
    }
}
