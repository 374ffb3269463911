//! A server of the end-to-end bench (`benches/e2e.rs`) as a child process: started by
//! re-running the bench binary with `--server <variant>`, killed when dropped (also when the
//! bench fails), and its CPU time read from `/proc/<pid>/stat`.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::server::Variant;

/// The argument that makes the bench binary a server.
pub const SERVER_ARG: &str = "--server";

/// How long a server may take to print its port.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A running server process; dropping it kills the process and waits for it.
pub struct ServerProcess {
    child: Child,
    /// Held open: the server exits when it closes (see `server::serve`).
    _stdin: Option<ChildStdin>,
    pub port: u16,
    pub variant: Variant,
}

impl ServerProcess {
    /// Starts a `variant` server and waits for its port.
    pub fn start(variant: Variant) -> ServerProcess {
        let exe = std::env::current_exe().expect("current exe");
        let mut child = Command::new(exe)
            .args([SERVER_ARG, variant.name()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the server process");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("server stdout");
        let mut server = ServerProcess {
            child,
            _stdin: stdin,
            port: 0,
            variant,
        };
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let line = receiver
            .recv_timeout(START_TIMEOUT)
            .expect("the server did not print its port");
        server.port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("the server printed {line:?}, not a port"));
        server
    }

    /// User + system CPU time of the whole process so far (all its threads), from
    /// `/proc/<pid>/stat`; `None` where that cannot be read.
    pub fn cpu_time(&self, ticks_per_second: u64) -> Option<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).ok()?;
        // After the command name in parentheses: state is field 3, utime 14, stime 15.
        let fields: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
        let utime: u64 = fields.get(14 - 3)?.parse().ok()?;
        let stime: u64 = fields.get(15 - 3)?.parse().ok()?;
        let ticks = utime + stime;
        Some(Duration::from_nanos(
            ticks * 1_000_000_000 / ticks_per_second,
        ))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Clock ticks per second of `/proc/<pid>/stat` (`getconf CLK_TCK`; 100 if that fails, the
/// value on every Linux port in use).
pub fn ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .filter(|&ticks| ticks > 0)
        .unwrap_or(100)
}
