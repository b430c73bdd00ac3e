//! Progress and notes on stderr: a bar for long work on a terminal, quiet otherwise.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

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
    _ticker: Ticker,
}

/// A thread that refreshes a bar ten times a second until dropped; then the bar is cleared.
struct Ticker(
    Option<(
        ProgressBar,
        std::sync::Arc<AtomicBool>,
        std::thread::JoinHandle<()>,
    )>,
);

impl Ticker {
    fn none() -> Ticker {
        Ticker(None)
    }

    fn start(pb: &ProgressBar, refresh: impl Fn(&ProgressBar) + Send + 'static) -> Ticker {
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let (bar, halt) = (pb.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !halt.load(Ordering::Relaxed) {
                refresh(&bar);
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        });
        Ticker(Some((pb.clone(), stop, thread)))
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        if let Some((pb, stop, thread)) = self.0.take() {
            stop.store(true, Ordering::Relaxed);
            let _ = thread.join();
            pb.finish_and_clear();
        }
    }
}

impl Work {
    pub fn start(len: Option<u64>, what: &str) -> Work {
        if !interactive() {
            return Work {
                pb: ProgressBar::hidden(),
                _ticker: Ticker::none(),
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
        let (start, since) = (crate::digest::bytes_hashed(), std::time::Instant::now());
        let ticker = Ticker::start(&pb, move |bar| {
            let bytes = crate::digest::bytes_hashed().saturating_sub(start);
            let secs = since.elapsed().as_secs_f64().max(0.001);
            bar.set_prefix(format!(
                "{} hashed, {}/s",
                indicatif::HumanBytes(bytes),
                indicatif::HumanBytes((bytes as f64 / secs) as u64)
            ));
            bar.tick();
        });
        Work {
            pb,
            _ticker: ticker,
        }
    }

    /// Step `index` of the bar begins: show what it is.
    pub fn step(&self, index: usize, what: &str) {
        self.pb.set_position(index as u64);
        self.pb.set_message(what.to_string());
    }
}

// ---- bytes of one long transfer (pack, unpack): done / total and rate -------------------------

static BYTES_DONE: AtomicU64 = AtomicU64::new(0);
static BYTES_TOTAL: AtomicU64 = AtomicU64::new(0);

/// The loop about to move `total` bytes says so (pack: the source's bytes; unpack: the
/// layers' stored bytes); the count of bytes done starts again at zero.
pub(crate) fn expect_bytes(total: u64) {
    BYTES_TOTAL.store(total, Ordering::Relaxed);
    BYTES_DONE.store(0, Ordering::Relaxed);
}

/// `n` more bytes were moved. Cheap enough for every chunk (one relaxed atomic add).
pub(crate) fn advance(n: u64) {
    BYTES_DONE.fetch_add(n, Ordering::Relaxed);
}

/// A reader that reports every byte it yields to [`advance`].
pub(crate) struct Counted<R>(pub R);

impl<R: std::io::Read> std::io::Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.read(buf)?;
        advance(n as u64);
        Ok(n)
    }
}

/// A bar of bytes done out of the total [`expect_bytes`] announced, with the rate and the time
/// left, refreshed ten times a second; hidden (no thread) when stderr is not a terminal.
pub(crate) struct Transfer {
    _ticker: Ticker,
}

impl Transfer {
    pub(crate) fn start(what: &str) -> Transfer {
        expect_bytes(0);
        if !interactive() {
            return Transfer {
                _ticker: Ticker::none(),
            };
        }
        let pb = ProgressBar::new(0);
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} · {binary_bytes_per_sec} · {eta} left",
        ) {
            pb.set_style(style.progress_chars("=> "));
        }
        pb.set_message(what.to_string());
        Transfer {
            _ticker: Ticker::start(&pb, |bar| {
                bar.set_length(BYTES_TOTAL.load(Ordering::Relaxed));
                bar.set_position(BYTES_DONE.load(Ordering::Relaxed));
            }),
        }
    }
}
