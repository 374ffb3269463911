//! End to end: what `ctxlocal::tower::ScopeLayer` costs an axum HTTP/1 server, measured over
//! loopback with real connections.
//!
//! `cargo bench -p ctxlocal-benches --bench e2e` starts two servers (`e2e/server.rs`), each
//! in a child process of its own (this binary re-run with `--server bare|layer`) so that its
//! CPU time can be read from `/proc/<pid>/stat` apart from the client's: `bare`, an axum
//! `Router` whose handler parses the request's `x-request-id` header and answers with it, and
//! `layer`, the same router with `.layer(ScopeLayer::new(..))`, where the layer parses the
//! header into a context field and the handler reads the field. Both listen on `127.0.0.1:0`
//! only. The client (`e2e/load.rs`, in this process, on a current-thread runtime) opens 64
//! keep-alive connections per round, one task each, and sends requests back to back until the
//! round's time is up; every answer is checked.
//!
//! After a short warm-up round on each server, rounds alternate (bare, layer, bare, layer, ..)
//! so that a change in the machine's load hits both alike. It prints each round, then per
//! variant the requests per second (median of the rounds, and over all rounds) and the
//! server's CPU time per request (user + system, all its threads; over all rounds, and the
//! median of the rounds), and the ratios layer / bare. On a machine where client and server
//! share the cores, the server's CPU time per request is the figure to read: requests per
//! second also depend on how the cores were shared.
//!
//! Environment: `CTXLOCAL_E2E_SECS` (seconds per round, default 2; fractions allowed) and
//! `CTXLOCAL_E2E_ROUNDS` (rounds per variant, default 3). The defaults take about 15 s. The
//! servers are killed when the bench ends, also when it fails, and exit on their own if this
//! process dies (they watch their stdin).

use std::time::Duration;

#[path = "e2e/child.rs"]
mod child;
#[path = "e2e/load.rs"]
mod load;
#[path = "e2e/server.rs"]
mod server;

use child::{SERVER_ARG, ServerProcess, ticks_per_second};
use load::{CONNECTIONS, RoundLoad};
use server::Variant;

const DEFAULT_SECS: f64 = 2.0;
const DEFAULT_ROUNDS: usize = 3;
/// The warm-up round on each server, not counted.
const WARM_UP: Duration = Duration::from_millis(500);

/// One measured round.
struct Round {
    variant: Variant,
    load: RoundLoad,
    /// The server's CPU time during the round, if `/proc` could be read.
    server_cpu: Option<Duration>,
}

impl Round {
    fn per_second(&self) -> f64 {
        self.load.requests as f64 / self.load.elapsed.as_secs_f64()
    }

    /// Server CPU microseconds per request.
    fn cpu_per_request(&self) -> Option<f64> {
        let cpu = self.server_cpu?;
        Some(cpu.as_secs_f64() * 1e6 / self.load.requests as f64)
    }
}

/// The value of the environment variable `name`, or `default` if it is not set.
fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text:?} is not a valid value")),
        Err(_) => default,
    }
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

/// Per-variant figures over its rounds.
struct Summary {
    median_per_second: f64,
    all_per_second: f64,
    /// Over all rounds, and the median of the rounds.
    cpu_per_request: Option<(f64, f64)>,
}

fn summarize(rounds: &[Round], variant: Variant) -> Summary {
    let mine: Vec<&Round> = rounds.iter().filter(|r| r.variant == variant).collect();
    let requests: u64 = mine.iter().map(|r| r.load.requests).sum();
    let seconds: f64 = mine.iter().map(|r| r.load.elapsed.as_secs_f64()).sum();
    let cpu: Option<Duration> = mine.iter().map(|r| r.server_cpu).sum();
    let cpu_medians: Option<Vec<f64>> = mine.iter().map(|r| r.cpu_per_request()).collect();
    Summary {
        median_per_second: median(mine.iter().map(|r| r.per_second()).collect()).unwrap_or(0.0),
        all_per_second: requests as f64 / seconds,
        cpu_per_request: cpu
            .zip(cpu_medians.and_then(median))
            .map(|(cpu, median)| (cpu.as_secs_f64() * 1e6 / requests as f64, median)),
    }
}

fn fmt_cpu(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.2}"))
}

fn report(rounds: &[Round]) {
    println!(
        "\n| round | variant | requests | seconds | req/s | server CPU (ms) | server CPU µs/request |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (i, round) in rounds.iter().enumerate() {
        println!(
            "| {} | {} | {} | {:.2} | {:.0} | {} | {} |",
            i + 1,
            round.variant.name(),
            round.load.requests,
            round.load.elapsed.as_secs_f64(),
            round.per_second(),
            round.server_cpu.map_or_else(
                || "n/a".to_owned(),
                |cpu| format!("{:.0}", cpu.as_secs_f64() * 1e3)
            ),
            fmt_cpu(round.cpu_per_request()),
        );
    }

    let bare = summarize(rounds, Variant::Bare);
    let layer = summarize(rounds, Variant::Layer);
    println!(
        "\n| variant | req/s, median of rounds | req/s, all rounds | server CPU µs/request, all rounds | server CPU µs/request, median of rounds |"
    );
    println!("|---|---|---|---|---|");
    for (variant, s) in [(Variant::Bare, &bare), (Variant::Layer, &layer)] {
        println!(
            "| {} | {:.0} | {:.0} | {} | {} |",
            variant.name(),
            s.median_per_second,
            s.all_per_second,
            fmt_cpu(s.cpu_per_request.map(|c| c.0)),
            fmt_cpu(s.cpu_per_request.map(|c| c.1)),
        );
    }
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => format!("{:.3}", a / b),
        _ => "n/a".to_owned(),
    };
    println!(
        "| layer / bare | {} | {} | {} | {} |",
        ratio(Some(layer.median_per_second), Some(bare.median_per_second)),
        ratio(Some(layer.all_per_second), Some(bare.all_per_second)),
        ratio(
            layer.cpu_per_request.map(|c| c.0),
            bare.cpu_per_request.map(|c| c.0)
        ),
        ratio(
            layer.cpu_per_request.map(|c| c.1),
            bare.cpu_per_request.map(|c| c.1)
        ),
    );
}

fn bench() {
    let secs: f64 = env_or("CTXLOCAL_E2E_SECS", DEFAULT_SECS);
    let rounds_per_variant: usize = env_or("CTXLOCAL_E2E_ROUNDS", DEFAULT_ROUNDS);
    assert!(secs > 0.0, "CTXLOCAL_E2E_SECS must be positive");
    assert!(
        rounds_per_variant > 0,
        "CTXLOCAL_E2E_ROUNDS must be at least 1"
    );
    let duration = Duration::from_secs_f64(secs);
    let ticks = ticks_per_second();

    let servers = Variant::ALL.map(ServerProcess::start);
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    println!(
        "e2e: axum HTTP/1 on 127.0.0.1, servers in child processes ({} workers each), client on a current-thread runtime, {CONNECTIONS} keep-alive connections; {rounds_per_variant} rounds of {secs} s per variant, interleaved, after a {} ms warm-up on each",
        server::WORKERS,
        WARM_UP.as_millis(),
    );
    for server in &servers {
        client.block_on(load::round(server.port, WARM_UP));
    }
    let mut rounds = Vec::new();
    for _ in 0..rounds_per_variant {
        for server in &servers {
            let before = server.cpu_time(ticks);
            let load = client.block_on(load::round(server.port, duration));
            let after = server.cpu_time(ticks);
            rounds.push(Round {
                variant: server.variant,
                load,
                server_cpu: before.zip(after).map(|(before, after)| after - before),
            });
        }
    }
    drop(servers);
    report(&rounds);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|arg| arg == SERVER_ARG) {
        Some(at) => {
            let name = args.get(at + 1).map_or("", String::as_str);
            let variant = Variant::from_name(name)
                .unwrap_or_else(|| panic!("{SERVER_ARG} takes `bare` or `layer`, not {name:?}"));
            server::serve(variant);
        }
        None => bench(),
    }
}
