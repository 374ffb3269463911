//! `examples/request_transaction.rs`, proven against the SQLite file: a transaction held open
//! across awaits by thread-sensitive calls commits the request's row, rolls back when the
//! request fails or is dropped between its calls, and 64 concurrent requests through
//! `ScopeLayer` each commit exactly their own row, with no call on the wrong thread.
//!
//! The load test's report line (`thread-sensitive load: ...`) is printed with `--nocapture`;
//! `CTXLOCAL_TS_LOAD_ROUNDS` runs more rounds of 64 (default 2).
#![cfg(all(feature = "tokio", feature = "tower"))]

#[path = "../../examples/request_transaction.rs"]
#[allow(dead_code)]
mod request_transaction;

use crate::support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use request_transaction::{AppError, Calls, PAYMENT_ASKED, committed, request, service, setup};
use support::{TempDb, finishes_within};
use tower::ServiceExt;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_keep_alive(Duration::from_millis(100))
        .enable_all()
        .build()
        .unwrap()
}

fn items(db: &TempDb) -> Vec<(String, String)> {
    committed(&db.0)
        .into_iter()
        .map(|(request_id, item, _)| (request_id, item))
        .collect()
}

#[test]
fn a_request_commits_its_row_written_across_awaits_on_its_own_thread() {
    let db = TempDb::new("ts-commit");
    setup(&db.0).unwrap();
    let path = db.0.clone();
    let id = finishes_within(120, "one request", move || {
        runtime().block_on(request(&path, "req-1", Calls::ThreadSensitive, "book"))
    });
    // Every call checked that it ran on the thread whose connection holds the transaction.
    assert_eq!(id.unwrap(), 1);
    assert_eq!(items(&db), [("req-1".to_owned(), "book".to_owned())]);
}

#[test]
fn a_request_that_fails_between_its_calls_rolls_back() {
    let db = TempDb::new("ts-fail");
    setup(&db.0).unwrap();
    let path = db.0.clone();
    let (failed, next) = finishes_within(120, "a failing request", move || {
        runtime().block_on(async {
            let failed = request(&path, "req-1", Calls::ThreadSensitive, "unobtainium").await;
            let next = request(&path, "req-2", Calls::ThreadSensitive, "lamp").await;
            (failed, next)
        })
    });
    assert!(matches!(failed, Err(AppError::OutOfStock(_))), "{failed:?}");
    assert!(next.is_ok(), "{next:?}");
    assert_eq!(items(&db), [("req-2".to_owned(), "lamp".to_owned())]);
}

#[test]
fn a_request_dropped_between_its_write_and_its_commit_is_rolled_back_when_its_context_ends() {
    let db = TempDb::new("ts-dropped");
    setup(&db.0).unwrap();
    let path = db.0.clone();
    let next = finishes_within(120, "a dropped request", move || {
        runtime().block_on(async {
            let dropped = {
                let path = path.clone();
                tokio::spawn(async move {
                    request(&path, "req-1", Calls::ThreadSensitive, "unpaid").await
                })
            };
            // Written, not committed, and holding SQLite's write lock: the client goes away.
            PAYMENT_ASKED.notified().await;
            dropped.abort();
            assert!(dropped.await.unwrap_err().is_cancelled());
            // The context ended: its thread dropped the connection, rolling the write back
            // and releasing the lock, so the next request's write does not wait forever.
            request(&path, "req-2", Calls::ThreadSensitive, "lamp").await
        })
    });
    assert!(next.is_ok(), "{next:?}");
    assert_eq!(items(&db), [("req-2".to_owned(), "lamp".to_owned())]);
}

#[test]
fn with_blocking_pool_calls_a_request_commits_on_one_thread_or_is_refused_never_half_written() {
    let db = TempDb::new("pool");
    setup(&db.0).unwrap();
    let path = db.0.clone();
    let outcomes = finishes_within(120, "pool requests", move || {
        runtime().block_on(async {
            let requests: Vec<_> = (0..16)
                .map(|n| {
                    let path = path.clone();
                    tokio::spawn(async move {
                        let outcome = request(
                            &path,
                            &format!("req-{n}"),
                            Calls::Pool,
                            &format!("item-{n}"),
                        )
                        .await;
                        (n, outcome)
                    })
                })
                .collect();
            let mut outcomes = Vec::new();
            for request in requests {
                outcomes.push(request.await.unwrap());
            }
            outcomes
        })
    });
    let mut committed_ok = HashSet::new();
    for (n, outcome) in outcomes {
        match outcome {
            Ok(_) => {
                committed_ok.insert((format!("req-{n}"), format!("item-{n}")));
            }
            Err(AppError::WrongThread) => {}
            Err(other) => panic!("request {n}: {other}"),
        }
    }
    // Exactly the requests that succeeded have their row, each with its own item.
    let rows: HashSet<_> = items(&db).into_iter().collect();
    assert_eq!(rows, committed_ok);
}

#[test]
fn sixty_four_concurrent_requests_through_scope_layer_each_commit_exactly_their_own_row() {
    const CONCURRENT: usize = 64;
    let rounds = support::env_count("CTXLOCAL_TS_LOAD_ROUNDS", 2);
    let db = TempDb::new("ts-load");
    setup(&db.0).unwrap();
    let path = db.0.clone();
    let started = Instant::now();
    let (statuses, refused) = finishes_within(300, "thread-sensitive load", move || {
        runtime().block_on(async move {
            let service = service(path);
            let mut statuses = Vec::new();
            let mut refused = Vec::new();
            for round in 0..rounds {
                let requests: Vec<_> = (0..CONCURRENT)
                    .map(|i| {
                        let n = round * CONCURRENT + i;
                        let request = http::Request::builder()
                            .uri(format!("/item-{n}"))
                            .header("x-request-id", format!("load-{n}"))
                            .body(())
                            .unwrap();
                        tokio::spawn(service.clone().oneshot(request))
                    })
                    .collect();
                for (i, request) in requests.into_iter().enumerate() {
                    let response = request.await.unwrap().unwrap();
                    let status = response.status().as_u16();
                    if status != 201 {
                        refused.push(format!(
                            "request {i}: {}",
                            response.into_body().into_inner()
                        ));
                    }
                    statuses.push(status);
                }
            }
            (statuses, refused)
        })
    });
    let wall = started.elapsed();
    let requests = rounds * CONCURRENT;
    let rows = committed(&db.0);
    let cross: Vec<_> = rows
        .iter()
        .filter(|(request_id, item, _)| {
            request_id.strip_prefix("load-") != item.strip_prefix("item-")
        })
        .collect();
    let distinct: HashSet<_> = rows.iter().map(|(request_id, ..)| request_id).collect();
    let threads: HashSet<_> = rows.iter().map(|(.., thread)| thread).collect();
    eprintln!(
        "thread-sensitive load: {requests} requests ({CONCURRENT} at a time), {} committed, {} \
         refused, {} cross-request rows, {} sync threads used, wall {:.0} ms",
        rows.len(),
        refused.len(),
        cross.len(),
        threads.len(),
        wall.as_secs_f64() * 1e3
    );
    assert!(refused.is_empty(), "{refused:?}");
    assert!(statuses.iter().all(|&status| status == 201));
    assert!(cross.is_empty(), "{cross:?}");
    assert_eq!(rows.len(), requests);
    assert_eq!(distinct.len(), requests);
}
