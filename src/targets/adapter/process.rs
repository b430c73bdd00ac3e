//! Running one adapter process: request on stdin, a bounded stdout, a bounded stderr, a deadline.
//!
//! The adapter runs in its own process group so that a timeout or a flood kills the adapter
//! and every tool it started, not only the script the suite spawned.

use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How one run of the process ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// The process exited on its own: exit code, or the signal that ended it.
    Exited {
        code: Option<i32>,
        signal: Option<i32>,
    },
    /// The deadline passed; the process group was killed.
    TimedOut,
    /// Standard output exceeded the bound; the process group was killed.
    Flooded,
    /// The process could not be started.
    NotStarted(String),
}

/// What the process wrote and how it ended.
#[derive(Debug, Clone)]
pub struct Output {
    pub ending: Ending,
    /// At most `max_stdout` bytes of standard output.
    pub stdout: Vec<u8>,
    /// The head of standard error (at most `max_stderr` bytes), lossily decoded.
    pub stderr: String,
    /// Whether standard error was cut.
    pub stderr_truncated: bool,
    pub duration: Duration,
}

/// Bounds of one run.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub timeout: Duration,
    pub max_stdout: usize,
    pub max_stderr: usize,
}

enum Event {
    Flood,
}

/// Run `argv` in `cwd` with `env` added, feed `stdin`, and collect its output within `bounds`.
pub fn run(
    argv: &[String],
    cwd: &Path,
    env: &[(String, String)],
    stdin: &[u8],
    bounds: Bounds,
) -> Output {
    let started = Instant::now();
    let not_started = |why: String| Output {
        ending: Ending::NotStarted(why),
        stdout: Vec::new(),
        stderr: String::new(),
        stderr_truncated: false,
        duration: started.elapsed(),
    };
    let Some((program, args)) = argv.split_first() else {
        return not_started("empty command".into());
    };
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // A group of its own: the kill on timeout reaches every tool the adapter started.
        .process_group(0);
    // The suite's own binary, for adapters that call it back (adapters/reference.py): an
    // adapter outside a checkout finds no target/ build, and PATH may hold another version.
    // Only when this process is that binary (a test harness is not), and the user set none.
    if std::env::var_os("AI_INTEROP_BIN").is_none()
        && let Ok(exe) = std::env::current_exe()
        && exe
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("ai-interop"))
    {
        cmd.env("AI_INTEROP_BIN", exe);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return not_started(format!("cannot start {program}: {e}")),
    };
    let pgid = child.id() as i32;

    // Feed stdin from a thread: an adapter that never reads must not block the suite.
    let mut child_stdin = child.stdin.take().expect("piped");
    let request = stdin.to_vec();
    let writer = thread::spawn(move || {
        let _ = child_stdin.write_all(&request);
    });

    let (tx, rx) = mpsc::channel();
    let mut out_pipe = child.stdout.take().expect("piped");
    let max_stdout = bounds.max_stdout;
    let out_reader = thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = [0u8; 64 * 1024];
        loop {
            match out_pipe.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if kept.len() + n > max_stdout {
                        let room = max_stdout - kept.len();
                        kept.extend_from_slice(&buf[..room]);
                        let _ = tx.send(Event::Flood);
                        break;
                    }
                    kept.extend_from_slice(&buf[..n]);
                }
            }
        }
        kept
    });
    let mut err_pipe = child.stderr.take().expect("piped");
    let max_stderr = bounds.max_stderr;
    let err_reader = thread::spawn(move || {
        let mut kept = Vec::new();
        let mut truncated = false;
        let mut buf = [0u8; 16 * 1024];
        loop {
            match err_pipe.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = max_stderr.saturating_sub(kept.len());
                    if n > room {
                        truncated = true;
                    }
                    kept.extend_from_slice(&buf[..n.min(room)]);
                }
            }
        }
        (kept, truncated)
    });

    let deadline = started + bounds.timeout;
    let ending = loop {
        if rx.try_recv().is_ok() {
            kill_group(pgid);
            let _ = child.wait();
            break Ending::Flooded;
        }
        match child.try_wait() {
            Ok(Some(status)) => {
                break Ending::Exited {
                    code: status.code(),
                    signal: status.signal(),
                };
            }
            Ok(None) => {}
            Err(e) => {
                kill_group(pgid);
                let _ = child.wait();
                break Ending::NotStarted(format!("cannot wait for the adapter: {e}"));
            }
        }
        if Instant::now() >= deadline {
            kill_group(pgid);
            let _ = child.wait();
            break Ending::TimedOut;
        }
        thread::sleep(Duration::from_millis(5));
    };
    // Whatever the adapter left running holds the pipes open; it has no business outliving
    // its reply.
    kill_group(pgid);
    let _ = writer.join();
    let stdout = out_reader.join().unwrap_or_default();
    let (stderr, stderr_truncated) = err_reader.join().unwrap_or_default();
    Output {
        ending,
        stdout,
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        stderr_truncated,
        duration: started.elapsed(),
    }
}

fn kill_group(pgid: i32) {
    // SAFETY: kill(2) with a negative pid signals the process group `pgid`, which the suite
    // created for this adapter (process_group(0) makes the child's pid its group id).
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}
