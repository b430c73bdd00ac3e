//! Progress and notes on stderr: a bar for long work on a terminal, quiet otherwise.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);

/// `--quiet`: no bar and no note for the rest of the process.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

fn interactive() -> bool {
    !QUIET.load(Ordering::Relaxed)
        && std::io::stderr().is_terminal()
        && std::env::var_os("CI").is_none()
}

/// A bar of `len` steps, hidden when stderr is not a terminal.
pub fn bar(len: u64, what: &str) -> ProgressBar {
    if !interactive() {
        return ProgressBar::hidden();
    }
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let template = if color {
        "{msg} [{bar:30.cyan/blue}] {pos}/{len}"
    } else {
        "{msg} [{bar:30}] {pos}/{len}"
    };
    let pb = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(template) {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_message(what.to_string());
    pb
}

/// A one-line note for a person, only on a terminal.
pub fn note(message: &str) {
    if interactive() {
        eprintln!("{message}");
    }
}
