//! `ai-interop`: the command-line front of the conformance suite.

use std::process::ExitCode;

fn main() -> ExitCode {
    ai_interop::cli::main()
}
