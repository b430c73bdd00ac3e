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

/// Long work on a terminal: a bar of `len` steps (or a spinner without `len`) that also shows the
/// bytes hashed since it started and their rate, refreshed ten times a second by a ticker thread.
/// Hidden (no thread) when stderr is not a terminal or `--quiet`.
pub struct Work {
    pb: ProgressBar,
    ticker: Option<(std::sync::Arc<AtomicBool>, std::thread::JoinHandle<()>)>,
}

impl Work {
    pub fn start(len: Option<u64>, what: &str) -> Work {
        if !interactive() {
            return Work {
                pb: ProgressBar::hidden(),
                ticker: None,
            };
        }
        let (pb, template) = match len {
            Some(n) => (
                ProgressBar::new(n),
                "{msg} [{bar:30}] {pos}/{len} · {prefix}",
            ),
            None => (ProgressBar::new_spinner(), "{spinner} {msg} · {prefix}"),
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            pb.set_style(style.progress_chars("=> "));
        }
        pb.set_message(what.to_string());
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let (bar, halt) = (pb.clone(), stop.clone());
        let (start, since) = (crate::digest::bytes_hashed(), std::time::Instant::now());
        let ticker = std::thread::spawn(move || {
            while !halt.load(Ordering::Relaxed) {
                let bytes = crate::digest::bytes_hashed().saturating_sub(start);
                let secs = since.elapsed().as_secs_f64().max(0.001);
                bar.set_prefix(format!(
                    "{} hashed, {}/s",
                    indicatif::HumanBytes(bytes),
                    indicatif::HumanBytes((bytes as f64 / secs) as u64)
                ));
                bar.tick();
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        });
        Work {
            pb,
            ticker: Some((stop, ticker)),
        }
    }

    /// Step `index` of the bar begins: show what it is.
    pub fn step(&self, index: usize, what: &str) {
        self.pb.set_position(index as u64);
        self.pb.set_message(what.to_string());
    }
}

impl Drop for Work {
    fn drop(&mut self) {
        if let Some((stop, ticker)) = self.ticker.take() {
            stop.store(true, Ordering::Relaxed);
            let _ = ticker.join();
        }
        self.pb.finish_and_clear();
    }
}
