//! `ai-interop report sign|verify`: signed conformance reports (see [`crate::certify`]).

use super::Exit;
use crate::certify;
use crate::trust::keys::SigningKey;
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub command: ReportCommand,
}

#[derive(Subcommand)]
pub enum ReportCommand {
    /// Sign report.json: a DSSE envelope holding an in-toto Statement about the report's bytes
    /// (and the artifact's manifest digest). Refuses a report whose roll-ups do not recompute.
    Sign(SignArgs),
    /// Verify a signed report: signature, subjects, recomputed roll-ups, known release.
    Verify(VerifyArgs),
}

#[derive(Args)]
pub struct SignArgs {
    /// The signing key: PKCS#8 PEM, Ed25519 or ECDSA P-256/P-384.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// Where to write the envelope (default: report.dsse.json beside the report).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The report.json to sign.
    pub report: PathBuf,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// Trusted public keys: a PEM file with one or more SPKI `PUBLIC KEY` blocks.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// The envelope (default: report.dsse.json beside the report).
    #[arg(long, value_name = "FILE")]
    pub envelope: Option<PathBuf>,
    /// The fixture tree whose digest counts as this binary's release (default: the tree built
    /// into this binary).
    #[arg(long, value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
    /// The report.json to verify.
    pub report: PathBuf,
}

/// `report.dsse.json` in the report's directory.
pub fn default_envelope(report: &Path) -> PathBuf {
    report.with_file_name("report.dsse.json")
}

/// Every file these commands read: a regular file within the input bound.
fn read(path: &Path) -> Result<Vec<u8>, Exit> {
    crate::input::read_bounded(path, crate::input::MAX_INPUT_BYTES)
        .map_err(|e| Exit::usage(e.to_string()))
}

pub fn run(args: ReportArgs) -> Result<u8, Exit> {
    match args.command {
        ReportCommand::Sign(a) => sign(a),
        ReportCommand::Verify(a) => verify(a),
    }
}

fn sign(args: SignArgs) -> Result<u8, Exit> {
    let key = SigningKey::from_pem(&read(&args.key)?)
        .map_err(|e| Exit::usage(format!("{}: {e}", args.key.display())))?;
    let report = read(&args.report)?;
    let envelope = match certify::sign(&report, &key) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("ai-interop: {}: {e}", args.report.display());
            return Ok(1);
        }
    };
    let out = args.out.unwrap_or_else(|| default_envelope(&args.report));
    crate::output::write_atomic(&out, &envelope.to_json())
        .map_err(|e| super::output_exit(&out, &e))?;
    println!(
        "signed {} with key {} → {}",
        args.report.display(),
        key.public_key().key_id(),
        out.display()
    );
    Ok(0)
}

fn verify(args: VerifyArgs) -> Result<u8, Exit> {
    let keys = certify::read_public_keys(&read(&args.key)?)
        .map_err(|e| Exit::usage(format!("{}: {e}", args.key.display())))?;
    let report = read(&args.report)?;
    let envelope_path = args
        .envelope
        .unwrap_or_else(|| default_envelope(&args.report));
    let envelope = read(&envelope_path)?;
    let tree = crate::fixtures::embedded::FixtureTree::named_or_embedded(args.fixtures.as_deref())
        .map_err(|e| Exit::usage(format!("fixtures: {e:#}")))?;
    let v = certify::verify(&report, &envelope, &keys, Some(tree.path()));
    for (name, result) in &v.checks {
        match result {
            Ok(detail) => println!("ok      {name}: {detail}"),
            Err(reason) => println!("REFUSED {name}: {reason}"),
        }
    }
    if v.verified() {
        println!("verified: {}", args.report.display());
        Ok(0)
    } else {
        println!("not verified: {}", args.report.display());
        Ok(1)
    }
}
