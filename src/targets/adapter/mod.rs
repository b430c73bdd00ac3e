//! The adapter target: a packer, transport or runtime reached through the adapter protocol
//! (`spec/v1.0/adapters.md`). One request per process: the request on stdin, one reply on
//! stdout, both validated against the embedded schemas.

pub mod process;
pub mod sandbox;

use crate::schemas::{self, SchemaKind};
use crate::targets::redact::Redactor;
use process::{Bounds, Ending};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

pub use sandbox::Sandbox;

/// The protocol version string every request and reply carries.
pub(crate) const PROTOCOL: &str = "ai-interop.dev/adapter/v1";

/// The most bytes of standard output read as the reply; more is a flood.
pub(crate) const MAX_REPLY_BYTES: usize = 1024 * 1024;

/// The most bytes of standard error kept as evidence.
pub(crate) const MAX_STDERR_BYTES: usize = 16 * 1024;

/// The protocol's commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Command {
    Describe,
    Pack,
    Push,
    Pull,
    Verify,
    Unpack,
}

impl Command {
    pub const ALL: [Command; 6] = [
        Command::Describe,
        Command::Pack,
        Command::Push,
        Command::Pull,
        Command::Verify,
        Command::Unpack,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Command::Describe => "describe",
            Command::Pack => "pack",
            Command::Push => "push",
            Command::Pull => "pull",
            Command::Verify => "verify",
            Command::Unpack => "unpack",
        }
    }

    /// The default time one request may take.
    pub(crate) fn default_timeout(self) -> Duration {
        Duration::from_secs(match self {
            Command::Describe => 30,
            Command::Verify => 120,
            _ => 300,
        })
    }
}

/// How to run one adapter: the descriptor file `adapters/<tool>.json`, or an executable.
#[derive(Debug, Clone)]
pub struct AdapterSpec {
    /// A short name for reports (the descriptor's `name`, else the file name).
    pub name: String,
    /// The program and its arguments, resolved.
    pub command: Vec<String>,
    /// Per-command timeouts.
    pub timeouts: BTreeMap<Command, Duration>,
    /// Extra environment for the adapter.
    pub env: Vec<(String, String)>,
    /// Where it was described, for reports.
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Descriptor {
    name: String,
    command: Vec<String>,
    #[serde(default)]
    timeouts_ms: BTreeMap<String, u64>,
}

/// Why an adapter cannot be loaded from a path (a usage error), named with the path.
#[derive(Debug, thiserror::Error)]
pub enum AdapterSpecError {
    #[error("{path}: {error}")]
    Path { path: String, error: std::io::Error },
    #[error("{0}: no such adapter executable")]
    NoExecutable(String),
    /// A descriptor that is not a small regular text file.
    #[error(transparent)]
    Input(#[from] crate::input::InputError),
    #[error("{path}: not an adapter descriptor: {error}")]
    NotDescriptor {
        path: String,
        error: serde_json::Error,
    },
    #[error("{0}: `command` is empty")]
    EmptyCommand(String),
    #[error("{path}: timeoutsMs names unknown command {command:?}")]
    UnknownCommand { path: String, command: String },
}

impl AdapterSpec {
    /// Load `path`: a `.json` descriptor (its command resolved against the file's directory),
    /// or an executable taken as the whole command.
    pub fn load(path: &Path) -> Result<AdapterSpec, AdapterSpecError> {
        let shown = path.display().to_string();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            let abs = std::path::absolute(path).map_err(|error| AdapterSpecError::Path {
                path: shown.clone(),
                error,
            })?;
            if !abs.is_file() {
                return Err(AdapterSpecError::NoExecutable(shown));
            }
            let name = abs
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| shown.clone());
            return Ok(AdapterSpec::from_command(
                name,
                vec![abs.display().to_string()],
                shown,
            ));
        }
        let text = crate::input::read_bounded_text(path, crate::input::MAX_INPUT_BYTES)?;
        let d: Descriptor =
            serde_json::from_str(&text).map_err(|error| AdapterSpecError::NotDescriptor {
                path: shown.clone(),
                error,
            })?;
        let base = std::path::absolute(path)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        if d.command.is_empty() {
            return Err(AdapterSpecError::EmptyCommand(shown));
        }
        // A relative path that exists beside the descriptor (the script, the program) is
        // taken from there; a bare name such as `python3` is left to PATH.
        let command: Vec<String> = d
            .command
            .into_iter()
            .map(|arg| {
                let beside = base.join(&arg);
                if !Path::new(&arg).is_absolute() && beside.exists() {
                    beside.display().to_string()
                } else {
                    arg
                }
            })
            .collect();
        let mut spec = AdapterSpec::from_command(d.name, command, shown.clone());
        for (cmd, ms) in d.timeouts_ms {
            let c = Command::ALL
                .into_iter()
                .find(|c| c.as_str() == cmd)
                .ok_or_else(|| AdapterSpecError::UnknownCommand {
                    path: shown.clone(),
                    command: cmd.clone(),
                })?;
            spec.timeouts.insert(c, Duration::from_millis(ms.max(1)));
        }
        Ok(spec)
    }

    pub fn from_command(name: String, command: Vec<String>, source: String) -> AdapterSpec {
        AdapterSpec {
            name,
            command,
            timeouts: Command::ALL
                .into_iter()
                .map(|c| (c, c.default_timeout()))
                .collect(),
            env: Vec::new(),
            source,
        }
    }

    /// Override every command's timeout (e.g. `--timeout-ms`).
    pub fn with_timeout(mut self, command: Command, timeout: Duration) -> Self {
        self.timeouts.insert(command, timeout);
        self
    }

    pub fn timeout(&self, command: Command) -> Duration {
        self.timeouts
            .get(&command)
            .copied()
            .unwrap_or_else(|| command.default_timeout())
    }
}

/// A registry URL that is not `http://host:port` (a usage error).
#[derive(Debug, thiserror::Error)]
#[error("registry {0:?}: give http://host:port (no path, no credentials)")]
pub struct RegistryUrlError(pub String);

/// A scratch loopback registry the suite lends to tools that speak only to registries (the
/// request field `registry`; an adapter asks for it with `needsRegistry` in its describe reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScratchRegistry {
    /// `host:port`.
    pub host: String,
    pub plain_http: bool,
}

impl ScratchRegistry {
    /// From `http://127.0.0.1:5000` (the form `.ci/registry.sh` exports); `https://` means TLS,
    /// a bare `host:port` plain HTTP.
    pub fn from_url(url: &str) -> Result<ScratchRegistry, RegistryUrlError> {
        let (plain_http, rest) = if let Some(r) = url.strip_prefix("http://") {
            (true, r)
        } else if let Some(r) = url.strip_prefix("https://") {
            (false, r)
        } else {
            (true, url)
        };
        let host = rest.trim_end_matches('/').to_string();
        if host.is_empty() || host.contains(['/', '@', '?', '#']) {
            return Err(RegistryUrlError(url.to_string()));
        }
        Ok(ScratchRegistry { host, plain_http })
    }

    pub fn url(&self) -> String {
        let scheme = if self.plain_http { "http" } else { "https" };
        format!("{scheme}://{}", self.host)
    }

    /// The request field.
    pub fn to_json(&self) -> Value {
        json!({"url": self.url(), "plainHttp": self.plain_http})
    }
}

/// The fields of one request besides `protocol`, `command` and `workDir`.
#[derive(Debug, Clone, Default)]
pub struct Params(pub Map<String, Value>);

impl Params {
    pub fn set(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.0.insert(key.to_string(), value.into());
        self
    }
    pub fn path(self, key: &str, path: &Path) -> Self {
        self.set(key, path.display().to_string())
    }
}

/// What a reply said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyStatus {
    Ok,
    Refused,
    Unsupported,
    Error,
}

/// The tool behind the adapter (the reply to `describe`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
    pub roles: Vec<String>,
    pub capabilities: Vec<String>,
    /// Capability → the adapter's reason for lacking it.
    pub unsupported: BTreeMap<String, String>,
    /// The tool speaks only to registries: its requests need a [`ScratchRegistry`].
    #[serde(rename = "needsRegistry", skip_serializing_if = "std::ops::Not::not")]
    pub needs_registry: bool,
    /// A runtime's scope (RUN-011): the artifact kinds it unpacks; `None` when not declared.
    #[serde(rename = "artifactKinds", skip_serializing_if = "Option::is_none")]
    pub artifact_kinds: Option<Vec<String>>,
    /// What the tool is for, in the adapter's words (the reason of a `not-applicable`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl ToolInfo {
    pub fn has(&self, capability: &str) -> bool {
        self.capabilities.iter().any(|c| c == capability)
    }
    pub(crate) fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|c| c == role)
    }
    /// Why an artifact of `kind` is out of the runtime's declared scope, or `None` when the
    /// runtime declares it. A runtime that declares no scope at all is not out of scope here
    /// (RUN-011 fails it instead, and it is judged on every kind: silence dodges nothing).
    pub(crate) fn out_of_scope(&self, kind: &str) -> Option<String> {
        let kinds = self.artifact_kinds.as_ref()?;
        if kinds.iter().any(|k| k == kind) {
            return None;
        }
        Some(format!(
            "{} does not declare the artifact kind `{kind}` (it declares {}): {}",
            self.name,
            if kinds.is_empty() {
                "none".to_string()
            } else {
                kinds.join(", ")
            },
            self.scope.as_deref().unwrap_or("no scope given")
        ))
    }
    /// Why a capability is lacking, in the adapter's words when it gave any.
    pub(crate) fn lacking(&self, capability: &str) -> String {
        match self.unsupported.get(capability) {
            Some(why) => format!("{} does not offer `{capability}`: {why}", self.name),
            None => format!(
                "{} does not declare `{capability}` (and gave no reason)",
                self.name
            ),
        }
    }
}

/// A reply that met the protocol.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: ReplyStatus,
    pub message: String,
    pub exit_code: Option<i64>,
    pub digest: Option<String>,
    pub tool: Option<ToolInfo>,
    /// `Some(false)`: the artifact could not be handed to the tool at all (the reply tells
    /// nothing about the tool).
    pub staged: Option<bool>,
}

/// One request and what came of it.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub command: Command,
    /// The reply, or why there is no usable one (a protocol fault: `error`, never `fail`).
    pub reply: Result<Reply, String>,
    /// The adapter's standard error, redacted and bounded.
    pub stderr: String,
    pub duration: Duration,
    /// Writes outside the work directory and the named outputs.
    pub outside_writes: Vec<String>,
}

impl Exchange {
    /// The reply when it says `ok`; else a sentence of what happened, for a finding.
    pub fn ok(&self) -> Result<&Reply, String> {
        match &self.reply {
            Ok(r) if r.status == ReplyStatus::Ok => Ok(r),
            Ok(r) => Err(format!(
                "{} answered `{}`: {}",
                self.command.as_str(),
                status_name(&r.status),
                r.message
            )),
            Err(e) => Err(self.fault(e)),
        }
    }

    /// A protocol fault in words, with the stderr tail as evidence.
    pub fn fault(&self, what: &str) -> String {
        let mut s = format!("{}: {what}", self.command.as_str());
        let tail = self.stderr_tail(600);
        if !tail.is_empty() {
            s.push_str(&format!("; stderr: {tail}"));
        }
        s
    }

    /// The end of standard error, where tools put their final word.
    pub(crate) fn stderr_tail(&self, chars: usize) -> String {
        let t = self.stderr.trim();
        let n = t.chars().count();
        if n <= chars {
            t.to_string()
        } else {
            format!("…{}", t.chars().skip(n - chars).collect::<String>())
        }
    }
}

pub(crate) fn status_name(s: &ReplyStatus) -> &'static str {
    match s {
        ReplyStatus::Ok => "ok",
        ReplyStatus::Refused => "refused",
        ReplyStatus::Unsupported => "unsupported",
        ReplyStatus::Error => "error",
    }
}

/// Runs requests against one adapter.
pub struct Adapter {
    pub spec: AdapterSpec,
    pub redactor: Redactor,
    /// The scratch registry named in every request but `describe`, when the suite has one.
    pub registry: Option<ScratchRegistry>,
}

impl Adapter {
    pub fn new(spec: AdapterSpec) -> Adapter {
        Adapter {
            spec,
            redactor: Redactor::new(),
            registry: None,
        }
    }

    /// Lend the adapter a scratch registry (`--registry`).
    pub fn with_registry(mut self, registry: Option<ScratchRegistry>) -> Adapter {
        self.registry = registry;
        self
    }

    /// Why requests to this adapter cannot be made at all: its tool needs a registry and the
    /// suite has none. The requirements such requests would decide are `skip`.
    pub fn unreachable(&self, tool: &ToolInfo) -> Option<String> {
        (tool.needs_registry && self.registry.is_none()).then(|| {
            format!(
                "{} speaks only to registries and no scratch registry was given (--registry http://127.0.0.1:<port>)",
                tool.name
            )
        })
    }

    /// Send one request in `sandbox`; `outputs` are the paths the request allows the adapter
    /// to write besides its work directory.
    pub fn request(
        &self,
        command: Command,
        params: Params,
        sandbox: &Sandbox,
        outputs: &[&Path],
    ) -> Exchange {
        let timeout = self.spec.timeout(command);
        let mut req = params.0;
        req.insert("protocol".into(), json!(PROTOCOL));
        req.insert("command".into(), json!(command.as_str()));
        req.insert("workDir".into(), json!(sandbox.work.display().to_string()));
        req.insert("timeoutMs".into(), json!(timeout.as_millis() as u64));
        if let Some(r) = self
            .registry
            .as_ref()
            .filter(|_| command != Command::Describe)
        {
            req.insert("registry".into(), r.to_json());
        }
        let req = Value::Object(req);
        let fail = |why: String| Exchange {
            command,
            reply: Err(why),
            stderr: String::new(),
            duration: Duration::ZERO,
            outside_writes: Vec::new(),
        };
        // The suite holds itself to the protocol too: a request it cannot send validly is its
        // own defect, reported as an error.
        let violations = schemas::validate(SchemaKind::AdapterRequest, &req);
        if !violations.is_empty() {
            return fail(format!(
                "suite defect: the request is invalid under adapter-request.schema.json: {}",
                join(&violations)
            ));
        }
        let body = serde_json::to_vec(&req).expect("a Value serializes");
        let before = sandbox.record(outputs);
        let mut env = vec![
            ("HOME".to_string(), sandbox.work.display().to_string()),
            (
                "TMPDIR".to_string(),
                sandbox.work.join("tmp").display().to_string(),
            ),
        ];
        env.extend(self.spec.env.iter().cloned());
        let out = process::run(
            &self.spec.command,
            &sandbox.work,
            &env,
            &body,
            Bounds {
                timeout,
                max_stdout: MAX_REPLY_BYTES,
                max_stderr: MAX_STDERR_BYTES,
            },
        );
        let outside_writes = before.changes(&sandbox.record(outputs));
        let mut stderr = local_paths(&self.redactor.redact(&out.stderr), &sandbox.root);
        if out.stderr_truncated {
            stderr.push_str(" […stderr truncated]");
        }
        let reply = match &out.ending {
            Ending::NotStarted(why) => Err(why.clone()),
            Ending::TimedOut => Err(format!(
                "no reply within {} ms (timeout of `{}`); the adapter's process group was killed",
                timeout.as_millis(),
                command.as_str()
            )),
            Ending::Flooded => Err(format!(
                "the adapter wrote more than {MAX_REPLY_BYTES} bytes to standard output; it was killed"
            )),
            Ending::Exited { code, signal } => parse_reply(command, &out.stdout, &self.redactor)
                .map(|mut r| {
                    r.message = local_paths(&r.message, &sandbox.root);
                    r
                })
                .map_err(|e| match signal {
                    Some(sig) => format!("{e} (the adapter was ended by signal {sig})"),
                    None => format!("{e} (the adapter exited with {})", code.unwrap_or(-1)),
                }),
        };
        Exchange {
            command,
            reply,
            stderr,
            duration: out.duration,
            outside_writes,
        }
    }
}

/// An adapter's words with the paths of this machine made portable: the request's sandbox as
/// `<sandbox>/…` and paths under the suite's working directory as `./…`. A tool's traceback
/// names the files of its install (a venv in the checkout) and its command lines the sandbox;
/// a published report should neither carry the directories of the machine that wrote it nor
/// change with every run's temporary names.
fn local_paths(text: &str, sandbox_root: &Path) -> String {
    let text = text.replace(&format!("{}/", sandbox_root.display()), "<sandbox>/");
    match std::env::current_dir() {
        Ok(cwd) if cwd.parent().is_some() => text.replace(&format!("{}/", cwd.display()), "./"),
        _ => text,
    }
}

fn join(v: &[schemas::SchemaViolation]) -> String {
    v.iter()
        .take(5)
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// One JSON value, valid under the reply schema, and nothing after it.
fn parse_reply(command: Command, stdout: &[u8], redactor: &Redactor) -> Result<Reply, String> {
    if stdout.iter().all(u8::is_ascii_whitespace) {
        return Err("no reply on standard output".into());
    }
    let mut stream = serde_json::Deserializer::from_slice(stdout).into_iter::<Value>();
    let value = match stream.next() {
        Some(Ok(v)) => v,
        Some(Err(e)) => {
            let shown: String = String::from_utf8_lossy(&stdout[..stdout.len().min(120)]).into();
            return Err(format!(
                "the reply is not one JSON document ({e}); it begins {:?}",
                redactor.redact(&shown)
            ));
        }
        None => return Err("no reply on standard output".into()),
    };
    let rest = &stdout[stream.byte_offset()..];
    if !rest.iter().all(u8::is_ascii_whitespace) {
        return Err("standard output holds more than one JSON document".into());
    }
    let violations = schemas::validate(SchemaKind::AdapterReply, &value);
    if !violations.is_empty() {
        return Err(format!(
            "the reply is invalid under adapter-reply.schema.json: {}",
            redactor.redact(&join(&violations))
        ));
    }
    let s = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_string);
    let status = match s("status").as_deref() {
        Some("ok") => ReplyStatus::Ok,
        Some("refused") => ReplyStatus::Refused,
        Some("unsupported") => ReplyStatus::Unsupported,
        _ => ReplyStatus::Error,
    };
    let tool = value.get("tool").map(|t| {
        let list = |k: &str| -> Vec<String> {
            t.get(k)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        ToolInfo {
            name: t["name"].as_str().unwrap_or_default().to_string(),
            version: t["version"].as_str().unwrap_or_default().to_string(),
            roles: list("roles"),
            capabilities: list("capabilities"),
            unsupported: t
                .get("unsupported")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), redactor.redact(v.as_str().unwrap_or(""))))
                        .collect()
                })
                .unwrap_or_default(),
            needs_registry: t.get("needsRegistry").and_then(Value::as_bool) == Some(true),
            artifact_kinds: t
                .get("artifactKinds")
                .and_then(Value::as_array)
                .map(|_| list("artifactKinds")),
            scope: t
                .get("scope")
                .and_then(Value::as_str)
                .map(|s| redactor.redact(s)),
        }
    });
    if command == Command::Describe && status == ReplyStatus::Ok && tool.is_none() {
        return Err("the reply to `describe` has no `tool`".into());
    }
    Ok(Reply {
        status,
        message: redactor.redact(&s("message").unwrap_or_default()),
        exit_code: value.get("exitCode").and_then(Value::as_i64),
        digest: s("digest"),
        tool,
        staged: value.get("staged").and_then(Value::as_bool),
    })
}

/// The working copy of a directory tree (sources, fixture layouts) placed in a sandbox.
pub(crate) fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let ft = entry.file_type()?;
        if ft.is_dir() {
            copy_tree(&src, &dst)?;
        } else if ft.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src)?, &dst)?;
        } else {
            std::fs::copy(&src, &dst)?;
        }
    }
    Ok(())
}

/// Paths for reports: the adapter's command, program name only.
pub(crate) fn describe_command(spec: &AdapterSpec) -> Vec<String> {
    spec.command
        .iter()
        .map(|a| {
            Path::new(a)
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_else(|| a.clone())
        })
        .collect::<Vec<_>>()
}

/// A sandbox parent for a whole suite run.
pub(crate) fn run_dir() -> std::io::Result<tempfile::TempDir> {
    tempfile::Builder::new().prefix("ai-interop-run-").tempdir()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_adapters_paths_are_made_portable() {
        let cwd = std::env::current_dir().unwrap();
        let sandbox = Path::new("/tmp/ai-interop-run-x1/adapter-y2/a/b/sandbox");
        let said = format!(
            "$ umoci raw unpack --image {}/in/layout:v1\nFile \"{}/target/venv/omlmd/provider.py\", line 9\nFile \"/usr/lib/x.py\"",
            sandbox.display(),
            cwd.display()
        );
        assert_eq!(
            local_paths(&said, sandbox),
            "$ umoci raw unpack --image <sandbox>/in/layout:v1\nFile \"./target/venv/omlmd/provider.py\", line 9\nFile \"/usr/lib/x.py\""
        );
    }

    #[test]
    fn a_scratch_registry_is_a_bare_origin() {
        let r = ScratchRegistry::from_url("http://127.0.0.1:5000/").unwrap();
        assert_eq!((r.host.as_str(), r.plain_http), ("127.0.0.1:5000", true));
        assert_eq!(r.url(), "http://127.0.0.1:5000");
        let tls = ScratchRegistry::from_url("https://localhost:5443").unwrap();
        assert_eq!(
            tls.to_json(),
            json!({"url": "https://localhost:5443", "plainHttp": false})
        );
        for bad in [
            "http://u:p@127.0.0.1:5000",
            "http://127.0.0.1:5000/v2",
            "http://",
            "h?x",
        ] {
            assert!(ScratchRegistry::from_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_registry_request_field_is_validated() {
        let r = ScratchRegistry::from_url("127.0.0.1:5000").unwrap();
        let request = json!({
            "protocol": PROTOCOL, "command": "unpack", "workDir": "/w",
            "layout": "/l", "tag": "v1", "destination": "/d", "registry": r.to_json(),
        });
        assert!(schemas::validate(SchemaKind::AdapterRequest, &request).is_empty());
        let bad = json!({
            "protocol": PROTOCOL, "command": "describe", "workDir": "/w",
            "registry": {"url": "http://127.0.0.1:5000/v2", "plainHttp": true},
        });
        assert!(!schemas::validate(SchemaKind::AdapterRequest, &bad).is_empty());
    }
}
