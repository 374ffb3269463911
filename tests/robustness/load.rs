//! Load test of `examples/axum_request_id.rs`: the app on an ephemeral loopback port, a real
//! HTTP/1 client (hyper's pooled client) with 128 requests in flight at all times, each
//! request with its own `x-request-id`. Every response (header and body, which says what each
//! layer of the handler saw) and every captured log line must carry its own request's id. The
//! log lines are JSON (`ctxlocal::tracing::TraceFieldsFormat` over `fmt().json()`): each must
//! parse, have no key twice, and carry the fields with their types (the order a number, the
//! request id and user strings, `admin` a boolean).
//!
//! CI runs 5,000 requests. For the full run:
//!
//! ```sh
//! CTXLOCAL_LOAD_REQUESTS=50000 cargo test --release -p ctxlocal-tests --test robustness load:: -- --nocapture
//! ```
//!
//! The report line (`load: requests=... mismatches=... wall=...`) is printed with
//! `--nocapture`. The run is bounded: it gives up after 10 minutes.
#![cfg(all(feature = "tokio", feature = "tower", feature = "tracing"))]

#[path = "../../examples/axum_request_id.rs"]
#[allow(dead_code)]
mod axum_request_id;
use crate::support;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum_request_id::{LOG_LINES_PER_REQUEST, PLACES, client, fetch, start};
use support::{Captured, parse_json_line};

const CONCURRENCY: usize = 128;
const DEFAULT_REQUESTS: usize = 5_000;
const TIME_LIMIT: Duration = Duration::from_secs(600);

/// The id the client sends with request `n` (and the user, so that a value the handler sets
/// in the middle of the request is checked too).
fn id_of(n: usize) -> (String, String) {
    (format!("load-{n:06}"), format!("user-{n}"))
}

/// Checks one reply; returns a description of what is wrong, if anything.
fn check_reply(n: usize, reply: &axum_request_id::Reply) -> Option<String> {
    let (id, user) = id_of(n);
    if reply.status != 200 {
        return Some(format!("request {n}: status {}", reply.status));
    }
    if reply.request_id.as_deref() != Some(&*id) {
        return Some(format!("request {n}: header {:?}", reply.request_id));
    }
    if reply.connection.is_none() {
        return Some(format!("request {n}: no connection info"));
    }
    let lines: Vec<&str> = reply.body.lines().collect();
    if lines.len() != PLACES.len() {
        return Some(format!("request {n}: body {:?}", reply.body));
    }
    for (line, place) in lines.iter().zip(PLACES) {
        if *line != format!("{place} request_id={id} user={user}") {
            return Some(format!("request {n}: {line:?}"));
        }
    }
    None
}

#[test]
fn every_response_and_every_log_line_carries_its_own_request_id() {
    let requests = support::env_count("CTXLOCAL_LOAD_REQUESTS", DEFAULT_REQUESTS);
    let captured = Captured::default();
    let writer = captured.clone();
    tracing::subscriber::set_global_default(axum_request_id::subscriber(move || writer.clone()))
        .unwrap();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let (done, mismatches, failures, connections) = runtime.block_on(async {
        let (addr, server) = start("127.0.0.1:0").await.unwrap();
        let client = client(CONCURRENCY);
        let next = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicUsize::new(0));
        let failures = Arc::new(Mutex::new(Vec::<String>::new()));
        let connections = Arc::new(Mutex::new(HashSet::new()));
        let workers: Vec<_> = (0..CONCURRENCY)
            .map(|_| {
                let (client, next, done) = (client.clone(), next.clone(), done.clone());
                let (failures, connections) = (failures.clone(), connections.clone());
                tokio::spawn(async move {
                    loop {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        if n >= requests {
                            break;
                        }
                        let (id, user) = id_of(n);
                        let path = format!("/orders/{n}");
                        let problem =
                            match fetch(&client, addr, &path, Some(&id), Some(&user)).await {
                                Ok(reply) => {
                                    connections.lock().unwrap().insert(reply.connection);
                                    check_reply(n, &reply)
                                }
                                Err(error) => Some(format!("request {n}: {error}")),
                            };
                        if let Some(problem) = problem {
                            failures.lock().unwrap().push(problem);
                        }
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        let all = async {
            for worker in workers {
                worker.await.unwrap();
            }
        };
        let finished = tokio::time::timeout(TIME_LIMIT, all).await;
        server.abort();
        assert!(
            finished.is_ok(),
            "the load test did not finish within {TIME_LIMIT:?}"
        );
        let failures = std::mem::take(&mut *failures.lock().unwrap());
        let connections = connections.lock().unwrap().len();
        (
            done.load(Ordering::Relaxed),
            failures.len(),
            failures,
            connections,
        )
    });
    let wall = started.elapsed();
    drop(runtime);

    // Every log line: which request wrote it (its `order`, the path the client chose) and the
    // request id the context added to it must agree.
    let text = captured.text();
    let mut per_request = vec![0usize; requests];
    let mut bad_lines = Vec::new();
    let mut log_lines = 0;
    for line in text.lines() {
        log_lines += 1;
        let json = parse_json_line(line).ok();
        let n = json
            .as_ref()
            .and_then(|json| json["order"].as_u64())
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| n < requests);
        let good = match (&json, n) {
            (Some(json), Some(n)) => {
                let (id, user) = id_of(n);
                json["request_id"] == id.as_str()
                    && json["user"] == user.as_str()
                    && json["admin"] == false
            }
            _ => false,
        };
        if good {
            per_request[n.unwrap_or_default()] += 1;
        } else {
            bad_lines.push(line.to_owned());
        }
    }
    let wrong_counts = per_request
        .iter()
        .filter(|&&count| count != LOG_LINES_PER_REQUEST)
        .count();

    println!(
        "load: requests={done} concurrency={CONCURRENCY} connections={connections} \
         mismatches={mismatches} log_lines={log_lines} bad_log_lines={} \
         requests_with_wrong_log_count={wrong_counts} wall={:.2}s ({:.0} req/s)",
        bad_lines.len(),
        wall.as_secs_f64(),
        done as f64 / wall.as_secs_f64(),
    );
    assert_eq!(done, requests);
    assert!(
        failures.is_empty(),
        "{mismatches} mismatches: {:#?}",
        &failures[..failures.len().min(10)]
    );
    assert!(
        bad_lines.is_empty(),
        "{:#?}",
        &bad_lines[..bad_lines.len().min(10)]
    );
    assert_eq!(log_lines, requests * LOG_LINES_PER_REQUEST);
    assert_eq!(wrong_counts, 0);
    // Every reply said which connection carried it (`check_reply`), and the pooled client
    // reused its keep-alive connections. (With no more requests than workers, all of them can
    // be in flight at once, each on a connection of its own: nothing to reuse.)
    if requests > CONCURRENCY {
        assert!(
            connections < requests,
            "{connections} connections for {requests} requests: no keep-alive reuse"
        );
    }
}
