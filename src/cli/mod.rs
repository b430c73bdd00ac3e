//! Command-line interface. Exit codes: 0 conformant / success, 1 not conformant / invalid,
//! 2 usage or configuration error, 3 harness error.

mod check;
mod fixtures_cmd;
pub(crate) use crate::progress;
mod reference_cmds;
mod report_cmd;
mod requirements;
mod run;
mod run_tools;
mod validate;
mod validate_asset;
mod verify_bundle;

use crate::document::Limits;
use crate::report::Format;
use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "ai-interop",
    version,
    about = "Conformance suite for the CNCF AI Manifest Contract (AI artifacts as OCI artifacts)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the suite for a target; with no target, run the self-test over the golden fixtures.
    Run(run::RunArgs),
    /// Check one artifact: oci:<dir>[:<tag>|@<digest>] or <registry>/<repo>[:<tag>|@<digest>].
    Check(check::CheckArgs),
    /// Validate one document against the embedded schemas and the profile's rules.
    Validate(validate::ValidateArgs),
    /// The requirement catalog with its coverage by checks and fixtures.
    Requirements(requirements::RequirementsArgs),
    /// Golden fixture maintenance.
    Fixtures(fixtures_cmd::FixturesArgs),
    /// Signed reports: `report sign --key K report.json`, `report verify --key PUB report.json`.
    Report(report_cmd::ReportArgs),
    /// Reference packer: a model, skill, prompt or workflow into oci:<layout>:<tag>.
    Pack(reference_cmds::PackArgs),
    /// Push a manifest of an OCI layout and its blobs to <registry>/<repo>:<tag>.
    Push(reference_cmds::PushArgs),
    /// The check verdict as a gate: exit 0 conformant, 1 not.
    Verify(reference_cmds::VerifyArgs),
    /// Reference runtime: verify, then write every file atomically into a new directory.
    Unpack(reference_cmds::UnpackArgs),
    /// Verify a Sigstore bundle or OpenSSF model signature against the file, digest or model
    /// directory it signs: exit 0 verified, 1 refused, 2 usage or undecidable.
    VerifyBundle(verify_bundle::VerifyBundleArgs),
    /// Attach an evidence file as an OCI 1.1 referrer of a manifest in a layout or a registry
    /// (the referrers fallback tag index is updated where the registry has no referrers API).
    Attach(reference_cmds::AttachArgs),
}

/// Options shared by the commands that evaluate targets.
#[derive(Args, Clone, Debug)]
pub(crate) struct CommonArgs {
    /// What to print on stdout: a short summary for a person, or one whole report for a
    /// machine.
    #[arg(long, value_enum, default_value_t = Output::Summary)]
    pub format: Output,
    /// Print no summary, no progress and no notes; errors still go to stderr, and a report
    /// chosen with --format is still printed.
    #[arg(long, short)]
    pub quiet: bool,
    /// Write report.json, report.junit.xml, report.md and badges into this directory (nothing
    /// is written without it).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The profile to evaluate (its whole ladder is evaluated).
    #[arg(long, default_value = "core", value_parser = profile_names())]
    pub profile: String,
    /// Expected failures: a JSON object mapping requirement IDs to reasons (strict: an expected
    /// failure that passes fails the run).
    #[arg(long)]
    pub expected_failures: Option<PathBuf>,
    /// Hash layers only; do not decompress or inspect tar content (content checks are skipped).
    #[arg(long)]
    pub no_content: bool,
    /// Worker threads for streaming layers (0 = one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Largest uncompressed size of one layer, in bytes.
    #[arg(long, default_value_t = Limits::default().max_uncompressed_bytes)]
    pub max_uncompressed: u64,
    /// Most tar entries inspected per layer.
    #[arg(long, default_value_t = Limits::default().max_tar_entries)]
    pub max_tar_entries: u64,
    /// Registry settings (JSON: auth, TLS, timeouts, …); `AI_INTEROP_REGISTRY_*` variables
    /// override it. Without it, `AI_INTEROP_REGISTRY_CONFIG` names the file, if any.
    #[arg(long, value_name = "FILE")]
    pub registry_config: Option<PathBuf>,
    /// PEM bundle of CA certificates the registry's TLS certificate is verified against, in
    /// addition to the system store (or, without one, the Mozilla roots built in). Overrides
    /// `AI_INTEROP_REGISTRY_CA_FILE` and the registry config's `tls.caFile`.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    #[command(flatten)]
    pub timeouts: TimeoutArgs,
    /// When the target is an image index: check only its manifests for this platform.
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
    /// When the target is an image index: check only its manifests of this artifactType.
    #[arg(long, value_name = "MEDIA-TYPE")]
    pub artifact_type: Option<String>,
    #[command(flatten)]
    pub trust: TrustArgs,
}

/// Network timeouts, in milliseconds. Each overrides the `AI_INTEROP_REGISTRY_*_TIMEOUT_MS`
/// variable and the `timeouts` of the registry file (defaults: connect 10000, request 60000,
/// large blob 1800000).
#[derive(Args, Clone, Debug, Default)]
pub(crate) struct TimeoutArgs {
    /// Time to open a connection (overrides AI_INTEROP_REGISTRY_CONNECT_TIMEOUT_MS and
    /// timeouts.connectMs).
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
    pub connect_timeout_ms: Option<u64>,
    /// Time for one ordinary request, body included (overrides
    /// AI_INTEROP_REGISTRY_REQUEST_TIMEOUT_MS and timeouts.requestMs).
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout_ms: Option<u64>,
    /// Time for one large-blob transfer, body included (overrides
    /// AI_INTEROP_REGISTRY_LARGE_BLOB_TIMEOUT_MS and timeouts.largeBlobMs).
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
    pub large_blob_timeout_ms: Option<u64>,
}

/// Trust inputs: what evidence is verified against. Everything is a local file.
#[derive(Args, Clone, Debug, Default)]
pub(crate) struct TrustArgs {
    /// Sigstore trusted root (trusted_root.json) for keyless signatures.
    #[arg(long, value_name = "FILE")]
    pub trust_root: Option<PathBuf>,
    /// A trusted public key (PEM; ECDSA P-256/P-384/P-521, Ed25519 or RSA); repeatable.
    #[arg(long = "key", value_name = "FILE")]
    pub keys: Vec<PathBuf>,
    /// Notary Project trust store: a directory of PEM CA certificates.
    #[arg(long, value_name = "DIR")]
    pub notary_trust_store: Option<PathBuf>,
    /// PEM CA certificates of a private PKI that OpenSSF model signing certificate signatures
    /// chain to (no OIDC issuer, no log entry); repeatable.
    #[arg(long = "oms-certificate-chain", value_name = "FILE")]
    pub oms_certificate_chain: Vec<PathBuf>,
    /// Expected signer identity of keyless signatures (certificate SAN).
    #[arg(long)]
    pub identity: Option<String>,
    /// Expected OIDC issuer of keyless signatures.
    #[arg(long)]
    pub issuer: Option<String>,
    /// Trust policy file (JSON or YAML, schemas/v1.0/trust-policy.schema.json); options given
    /// on the command line override its fields and add keys.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Open no network socket: a registry target is refused, evidence is verified from local
    /// trust inputs only.
    #[arg(long)]
    pub offline: bool,
}

impl TrustArgs {
    /// Load the trust inputs; a bad file is a usage error.
    pub(crate) fn load(&self) -> Result<crate::trust::inputs::TrustInputs, Exit> {
        crate::trust::policy::load(&crate::trust::policy::TrustOptions {
            trusted_root: self.trust_root.clone(),
            keys: self.keys.clone(),
            notary_trust_store: self.notary_trust_store.clone(),
            oms_certificate_chain: self.oms_certificate_chain.clone(),
            identity: self.identity.clone(),
            issuer: self.issuer.clone(),
            policy: self.policy.clone(),
            offline: self.offline,
        })
        .map_err(|e| Exit::usage(e.to_string()))
    }
}

impl CommonArgs {
    /// Which manifests of an image index to check.
    pub(crate) fn selection(&self) -> crate::image_index::Selection {
        crate::image_index::Selection {
            platform: self.platform.clone(),
            artifact_type: self.artifact_type.clone(),
        }
    }
    pub(crate) fn limits(&self) -> Limits {
        Limits {
            threads: self.threads,
            max_uncompressed_bytes: self.max_uncompressed,
            max_tar_entries: self.max_tar_entries,
            ..Limits::default()
        }
    }
}

/// An error and its sources, `: `-separated: what `anyhow` shows for `{:#}`, for the typed
/// errors of the layers below.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// A failure that ends a command with a given exit code.
pub(crate) struct Exit {
    pub code: u8,
    pub message: String,
}

impl Exit {
    pub(crate) fn usage(message: impl Into<String>) -> Exit {
        Exit {
            code: 2,
            message: message.into(),
        }
    }
    pub(crate) fn harness(message: impl Into<String>) -> Exit {
        Exit {
            code: 3,
            message: message.into(),
        }
    }
}

/// The width of the terminal stdout is, if it is one: summary lines are cut to it there, and
/// never when piped (a tool reading the summary gets every finding whole).
fn terminal_width() -> Option<usize> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    if let Some(cols) = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()) {
        return Some(cols);
    }
    // SAFETY: TIOCGWINSZ fills the winsize struct it is given, nothing else.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    (ok && size.ws_col > 0).then_some(usize::from(size.ws_col))
}

/// A reader that stops early (`ai-interop … | head`) closes the pipe: the next print fails with
/// EPIPE, which `println!` turns into a panic. Exit quietly instead, with the status a process
/// killed by SIGPIPE has (141), as `cat` and `yes` do; every other panic is reported as before.
fn quiet_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to std") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info)
    }));
}

pub fn main() -> ExitCode {
    quiet_on_broken_pipe();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Run(a) => run::run(a),
        Command::Check(a) => check::run(a),
        Command::Validate(a) => validate::run(a),
        Command::Requirements(a) => requirements::run(a),
        Command::Fixtures(a) => fixtures_cmd::run(a),
        Command::Report(a) => report_cmd::run(a),
        Command::Pack(a) => reference_cmds::pack(a),
        Command::Push(a) => reference_cmds::push(a),
        Command::Verify(a) => reference_cmds::verify(a),
        Command::Unpack(a) => reference_cmds::unpack(a),
        Command::VerifyBundle(a) => verify_bundle::run(a),
        Command::Attach(a) => reference_cmds::attach(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("ai-interop: {}", e.message);
            ExitCode::from(e.code)
        }
    }
}

/// Read an expected-failures file: `{"REQ-ID": "reason", ...}`.
pub(crate) fn load_expected_failures(
    path: Option<&PathBuf>,
) -> Result<std::collections::BTreeMap<String, String>, Exit> {
    let Some(path) = path else {
        return Ok(Default::default());
    };
    let text = crate::input::read_bounded_text(path, crate::input::MAX_INPUT_BYTES)
        .map_err(|e| Exit::usage(e.to_string()))?;
    let Pairs(pairs) = serde_json::from_str(&text).map_err(|e| {
        Exit::usage(format!(
            "{}: expected a JSON object of requirement ID to reason: {e}",
            path.display()
        ))
    })?;
    let mut map = std::collections::BTreeMap::new();
    for (id, reason) in pairs {
        // A JSON parser keeps one of two equal keys silently; which reason was meant is unknown.
        if map.insert(id.clone(), reason).is_some() {
            return Err(Exit::usage(format!(
                "{}: {id} is listed twice; give each requirement one reason",
                path.display()
            )));
        }
    }
    let catalog = crate::spec::Catalog::embedded();
    for id in map.keys() {
        if catalog.get(id).is_none() {
            return Err(Exit::usage(format!(
                "{}: unknown requirement {id}",
                path.display()
            )));
        }
    }
    Ok(map)
}

/// A JSON object's members in order, duplicates kept (so they can be refused).
struct Pairs(Vec<(String, String)>);

impl<'de> serde::Deserialize<'de> for Pairs {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Pairs;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object of strings")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Pairs, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = a.next_entry::<String, String>()? {
                    pairs.push(pair);
                }
                Ok(Pairs(pairs))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// The registry settings: `--registry-config FILE` (else the file `AI_INTEROP_REGISTRY_CONFIG`
/// names), then the `AI_INTEROP_REGISTRY_*` overrides, then `--ca-file`. A bad file or value is a usage error; the
/// message never holds a credential.
pub(crate) fn registry_config(
    path: Option<&PathBuf>,
    ca_file: Option<&PathBuf>,
    timeouts: &TimeoutArgs,
) -> Result<crate::targets::registry::config::RegistryConfig, Exit> {
    use crate::targets::registry::config::RegistryConfig;
    let cfg = match path {
        Some(p) => RegistryConfig::from_file(p).and_then(|mut c| {
            c.apply_env(|k| std::env::var(k).ok())?;
            Ok(c)
        }),
        None => RegistryConfig::from_env(),
    };
    let mut cfg = cfg.map_err(|e| Exit::usage(e.to_string()))?;
    if let Some(ca) = ca_file {
        cfg.tls.ca_file = Some(ca.clone());
    }
    // The flags come last: what the command line says wins.
    if let Some(ms) = timeouts.connect_timeout_ms {
        cfg.timeouts.connect_ms = ms;
    }
    if let Some(ms) = timeouts.request_timeout_ms {
        cfg.timeouts.request_ms = ms;
    }
    if let Some(ms) = timeouts.large_blob_timeout_ms {
        cfg.timeouts.large_blob_ms = ms;
    }
    Ok(cfg)
}

/// Refuse a profile the spec does not define.
pub(crate) fn check_profile(name: &str) -> Result<(), Exit> {
    let catalog = crate::spec::Catalog::embedded();
    if catalog.profile(name).is_none() {
        let names: Vec<&str> = catalog.profiles.iter().map(|p| p.name.as_str()).collect();
        return Err(Exit::usage(format!(
            "unknown profile {name:?}; profiles: {}",
            names.join(", ")
        )));
    }
    Ok(())
}

/// What `run` and `check` print on stdout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Output {
    /// Profiles and their verdicts, then what failed.
    Summary,
    Json,
    Junit,
    Markdown,
}

/// The profiles of the embedded spec, for `--profile` (listed in `--help`).
pub(crate) fn profile_names() -> PossibleValuesParser {
    let catalog = crate::spec::Catalog::embedded();
    PossibleValuesParser::new(
        catalog
            .profiles
            .iter()
            .map(|p| PossibleValue::new(p.name.as_str())),
    )
}

/// Write the report in every format into `out` (never through a symbolic link: exit 2).
pub(crate) fn write_reports(
    report: &crate::report::ConformanceReport,
    out: &std::path::Path,
) -> Result<Vec<PathBuf>, Exit> {
    let coverage = crate::traceability::default_coverage_section();
    crate::report::write_all(report, coverage, out).map_err(|e| output_exit(out, &e))
}

/// `--out DIR` refused (a link, a file in the way: exit 2) or failed (exit 3).
pub(crate) fn output_exit(out: &std::path::Path, e: &crate::output::OutputError) -> Exit {
    let message = format!("cannot write into {}: {e}", out.display());
    if e.is_usage() {
        Exit::usage(message)
    } else {
        Exit::harness(message)
    }
}

/// Write the report in every format into `out` (if given) and print what `--format` asks for:
/// the short summary (unless `--quiet`) or one whole report.
pub(crate) fn emit(
    report: &crate::report::ConformanceReport,
    args: &CommonArgs,
) -> Result<(), Exit> {
    if let Some(out) = &args.out {
        let files = write_reports(report, out)?;
        progress::note(&format!(
            "wrote {} files into {}",
            files.len(),
            out.display()
        ));
    }
    let format = match args.format {
        Output::Summary => {
            if !args.quiet {
                print!(
                    "{}",
                    crate::report::summary::to_summary_for(report, terminal_width())
                );
                match &args.out {
                    Some(out) => println!(
                        "Full report: {} (also {}, report.json, report.junit.xml, badges)",
                        out.join(Format::Markdown.file_name()).display(),
                        crate::report::HTML_FILE
                    ),
                    None => println!(
                        "Full report: add --out DIR to write it (JSON, JUnit, Markdown, HTML, badges)"
                    ),
                }
            }
            return Ok(());
        }
        Output::Json => Format::Json,
        Output::Junit => Format::Junit,
        Output::Markdown => Format::Markdown,
    };
    print!("{}", crate::report::render(report, format));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::chain;

    #[derive(Debug, thiserror::Error)]
    enum Outer {
        #[error(transparent)]
        Inner(#[from] Inner),
        #[error("plain")]
        Plain,
    }
    #[derive(Debug, thiserror::Error)]
    #[error("inner")]
    struct Inner(#[source] std::io::Error);

    #[test]
    fn chain_reads_as_anyhow_alternate() {
        let typed = || Outer::from(Inner(std::io::Error::other("io")));
        assert_eq!(chain(&typed()), "inner: io");
        assert_eq!(
            chain(&typed()),
            format!(
                "{:#}",
                anyhow::Error::from(Inner(std::io::Error::other("io")))
            )
        );
        assert_eq!(chain(&Outer::Plain), "plain");
    }
}
