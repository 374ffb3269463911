//! Rule E3 (feature `rayon`): work handed to rayon through ctxlocal (`join`, `scope`,
//! `spawn`, `install`, parallel iterators wrapped with `.in_current_context()`) sees a snapshot
//! of the submitting context and leaves nothing on the pool's threads, so a pool reused by
//! many requests never shows one request's values to another. Plain rayon, for contrast,
//! carries nothing and keeps what jobs write (the behaviour the docs describe).
#![cfg(all(feature = "rayon", feature = "tokio"))]

use crate::support;

use std::sync::{Arc, Mutex};

use ctxlocal::{Context, ContextExt, async_local};
use rayon::prelude::*;
use support::{Rng, random_yields};

#[async_local]
struct Request {
    id: String,
    /// Written by jobs: must never be seen by a later job (of this or another request).
    job: String,
}

fn pool(threads: usize) -> Arc<rayon::ThreadPool> {
    Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap(),
    )
}

/// One job: what it saw (request id, and a stale `job` value if any), then it scribbles.
fn job(n: u64) -> (Option<String>, Option<String>) {
    let seen = (Request::id(), Request::job());
    Request::set_job(format!("leaked-from-job-{n}"));
    seen
}

/// What every pool thread's root context holds now.
fn left_on_pool_threads(pool: &rayon::ThreadPool) -> Vec<(Option<String>, Option<String>)> {
    pool.broadcast(|_| (Request::id(), Request::job()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_rayon_pool_reused_across_many_requests_shows_no_stale_values() {
    let pool = pool(4);
    let requests: Vec<_> = (0..100u64)
        .map(|r| {
            let pool = pool.clone();
            ctxlocal::spawn(async move {
                Request::set_id(format!("req-{r}"));
                let mut rng = Rng::new(r);
                random_yields(&mut rng, 3).await;
                // As in the issue: rayon inside `sync_to_async`, in every way ctxlocal offers.
                ctxlocal::sync_to_async(move || {
                    let items: Vec<_> = ctxlocal::rayon::install(&pool, || {
                        (0..64u64)
                            .into_par_iter()
                            .in_current_context()
                            .map(job)
                            .collect()
                    });
                    let (a, b) = ctxlocal::rayon::join(|| job(1000), || job(1001));
                    let scoped = Mutex::new(Vec::new());
                    ctxlocal::rayon::scope(|s| {
                        for n in 0..8 {
                            let scoped = &scoped;
                            s.spawn(move |_| scoped.lock().unwrap().push(job(2001 + n)));
                        }
                        // After the spawns: they started from snapshots without this write.
                        scoped.lock().unwrap().push(job(2000));
                    });
                    let (tx, rx) = std::sync::mpsc::channel();
                    ctxlocal::rayon::spawn(move || tx.send(job(3000)).unwrap());
                    let spawned = rx.recv().unwrap();
                    let mut all = items;
                    all.extend([a, b, spawned]);
                    all.extend(scoped.into_inner().unwrap());
                    // The request's own context is untouched by its jobs.
                    (r, all, Request::job())
                })
                .await
            })
        })
        .collect();
    let mut jobs = 0;
    for request in requests {
        let (r, seen, own_job) = request.await.unwrap();
        let id = Some(format!("req-{r}"));
        for (n, (seen_id, stale)) in seen.iter().enumerate() {
            assert_eq!(seen_id, &id, "request {r}, job {n}");
            assert_eq!(stale, &None, "request {r}, job {n}: a stale value");
        }
        assert_eq!(own_job, None, "request {r}");
        jobs += seen.len();
    }
    assert_eq!(jobs, 100 * (64 + 3 + 9));
    assert!(
        left_on_pool_threads(&pool)
            .iter()
            .all(|left| *left == (None, None))
    );
}

#[test]
fn plain_rayon_carries_nothing_and_keeps_what_jobs_write() {
    // What the docs of `ctxlocal::rayon` describe, with one thread so the reuse is certain.
    let pool = pool(1);
    Context::empty()
        .with(Request {
            id: "req-1".into(),
            job: "none yet".into(),
        })
        .run(|| {
            let first = pool.install(|| job(1));
            assert_eq!(first, (None, None), "plain rayon carries nothing");
        });
    let second = pool.install(|| job(2));
    assert_eq!(second, (None, Some("leaked-from-job-1".into())));
    // The same pool through ctxlocal: the job sees its request, not what was left behind,
    // and leaves nothing itself.
    let third = Context::empty()
        .with(Request {
            id: "req-3".into(),
            job: String::new(),
        })
        .run(|| ctxlocal::rayon::install(&pool, || job(3)));
    assert_eq!(third, (Some("req-3".into()), Some(String::new())));
    assert_eq!(
        left_on_pool_threads(&pool),
        [(None, Some("leaked-from-job-2".into()))]
    );
}

#[test]
fn items_of_a_wrapped_parallel_iterator_see_the_snapshot_not_each_others_writes() {
    let pool = pool(4);
    let outcome = Context::empty()
        .with(Request {
            id: "req".into(),
            job: "submitted".into(),
        })
        .run(|| {
            // Made here, in the context; run by the pool's threads (plain `install`).
            let items = (0..1_000u64).into_par_iter().in_current_context();
            pool.install(move || {
                items
                    .filter(|n| Request::id().is_some() && n % 2 == 0)
                    .map(job)
                    .fold(
                        || (0, Request::id()),
                        |(count, id), seen| {
                            assert_eq!(seen, (Some("req".into()), Some("submitted".into())));
                            (count + 1, id)
                        },
                    )
                    .reduce(
                        || (0, Request::id()),
                        |(a, id_a), (b, id_b)| {
                            assert_eq!(id_a, Request::id());
                            assert_eq!(id_b, Request::id());
                            (a + b, id_a)
                        },
                    )
            })
        });
    assert_eq!(outcome, (500, Some("req".into())));
    assert!(
        left_on_pool_threads(&pool)
            .iter()
            .all(|left| *left == (None, None))
    );
}

#[test]
fn a_scoped_job_starts_from_what_its_spawner_wrote() {
    let pool = pool(2);
    let seen = Mutex::new(Vec::new());
    Context::empty()
        .with(Request {
            id: "req".into(),
            job: "outer".into(),
        })
        .run(|| {
            ctxlocal::rayon::install(&pool, || {
                ctxlocal::rayon::scope(|s| {
                    assert_eq!(Request::id().as_deref(), Some("req"));
                    Request::set_job("set by the scope".into());
                    s.spawn(|s| {
                        seen.lock().unwrap().push(Request::job());
                        Request::set_job("set by the first job".into());
                        s.spawn(|_| seen.lock().unwrap().push(Request::job()));
                    });
                });
            });
            // Nothing flows back to the submitter.
            assert_eq!(Request::job().as_deref(), Some("outer"));
        });
    let mut seen = seen.into_inner().unwrap();
    seen.sort();
    assert_eq!(
        seen,
        [
            Some("set by the first job".into()),
            Some("set by the scope".into())
        ]
    );
}
