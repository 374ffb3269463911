//! Rule D14: every accessor is safe from any thread at any time, and values are dropped exactly
//! once, when the last context holding them goes (task end, scope exit, thread exit).

use crate::support;

use std::sync::Arc;

use ctxlocal::{Context, async_local};
use support::{Counted, Counters, Rng, random_yields};

#[async_local]
struct Local {
    value: Counted,
    #[local(default)]
    other: u64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn values_of_finished_tasks_are_dropped_exactly_once() {
    let counters = Counters::new();
    let handles: Vec<_> = (0..500u64)
        .map(|n| {
            let counters = counters.clone();
            ctxlocal::spawn(async move {
                let mut rng = Rng::new(n);
                Local::set_value(counters.make(n));
                random_yields(&mut rng, 3).await;
                if rng.below(2) == 0 {
                    // Overwriting drops the previous value.
                    Local::set_value(counters.make(n));
                }
                if rng.below(3) == 0 {
                    // A child shares the value, then both end.
                    ctxlocal::spawn(async move { Local::with_value(|v| v.map(|v| v.id)) })
                        .await
                        .unwrap();
                }
                if rng.below(3) == 0 {
                    Local::update_value(|v| v.as_mut().unwrap().id += 1);
                }
                Local::with_value(|v| v.map(|v| v.id == n || v.id == n + 1))
            })
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.await.unwrap(), Some(true));
    }
    assert_eq!(counters.created(), counters.dropped());
    assert!(counters.created() >= 500);
}

#[test]
fn a_value_shared_by_snapshots_is_dropped_when_the_last_one_goes() {
    let counters = Counters::new();
    std::thread::spawn({
        let counters = counters.clone();
        move || {
            Local::set_value(counters.make(1));
            let a = Context::current();
            let b = a.clone();
            Local::clear();
            assert_eq!(counters.dropped(), 0);
            drop(a);
            assert_eq!(counters.dropped(), 0);
            drop(b);
            assert_eq!(counters.dropped(), 1);
        }
    })
    .join()
    .unwrap();
    assert_eq!(counters.created(), 1);
}

#[test]
fn scope_values_are_dropped_when_the_scope_exits() {
    let counters = Counters::new();
    Local::sync_scope_value(counters.make(1), || {
        assert_eq!(counters.dropped(), 0);
        Local::set_other(1);
    });
    assert_eq!(counters.dropped(), 1);
}

#[test]
fn root_context_values_are_dropped_when_the_thread_exits() {
    let counters = Counters::new();
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn({
        let counters = counters.clone();
        move || {
            Local::set_value(counters.make(7));
            tx.send(()).unwrap();
        }
    });
    rx.recv().unwrap();
    thread.join().unwrap();
    assert_eq!((counters.created(), counters.dropped()), (1, 1));
}

#[test]
fn replaced_and_taken_values_are_dropped_once() {
    let counters = Counters::new();
    std::thread::spawn({
        let counters = counters.clone();
        move || {
            Local::set_value(counters.make(1));
            Local::set_value(counters.make(2));
            assert_eq!(counters.dropped(), 1);
            let previous = Local::replace_value(counters.make(3)).unwrap();
            assert_eq!(previous.id, 2);
            drop(previous);
            assert_eq!(counters.dropped(), 2);
            let taken = Local::take_value().unwrap();
            assert_eq!(taken.id, 3);
            drop(taken);
            assert_eq!(counters.dropped(), 3);
        }
    })
    .join()
    .unwrap();
    assert_eq!(counters.created(), counters.dropped());
}

#[test]
fn accessors_work_from_many_threads_on_shared_snapshots() {
    let counters = Counters::new();
    Local::set_value(counters.make(0));
    let ctx = Arc::new(Context::current());
    let threads: Vec<_> = (0..8u64)
        .map(|t| {
            let ctx = ctx.clone();
            let counters = counters.clone();
            std::thread::spawn(move || {
                for i in 0..500u64 {
                    ctx.run(|| {
                        assert_eq!(Local::with_value(|v| v.unwrap().id), 0);
                        Local::set_value(counters.make(t * 1000 + i));
                        assert_eq!(Local::with_value(|v| v.unwrap().id), t * 1000 + i);
                    });
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    drop(ctx);
    Local::clear();
    assert_eq!(counters.created(), counters.dropped());
}

#[test]
fn a_drop_impl_may_use_the_context() {
    // Values displaced by a write are dropped after the write finished, so their Drop code can
    // read and write contexts.
    #[async_local]
    struct Reentrant {
        guard: Noisy,
    }
    struct Noisy;
    impl Drop for Noisy {
        fn drop(&mut self) {
            let seen = Local::other();
            Local::set_other(seen + 1);
        }
    }
    Reentrant::set_guard(Noisy);
    Reentrant::set_guard(Noisy);
    assert_eq!(Local::other(), 1);
    Reentrant::clear();
    assert_eq!(Local::other(), 2);
}

// === Memory under a long borrow: bounded by what is live, not by the number of writes ===

#[test]
fn many_writes_inside_one_long_borrow_keep_no_copies_alive() {
    support::on_fresh_thread(|counters| {
        Local::set_other(1);
        Local::with_other(|_| {
            for n in 0..100_000 {
                Local::set_value(counters.make(n));
                Local::set_other(n);
            }
            let live = counters.created() - counters.dropped();
            assert!(live <= 1, "{live} values alive inside the borrow");
        });
    });
}

#[test]
fn a_server_run_inside_a_long_borrow_keeps_memory_bounded() {
    support::on_fresh_thread(|counters| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        Local::set_other(7);
        // `Config::with_x(|_| rt.block_on(serve))`: every request below runs inside the borrow.
        Local::with_other(|_| {
            rt.block_on(async {
                let mut most_alive = 0;
                for request in 0..5_000 {
                    let made = counters.clone();
                    ctxlocal::spawn(async move {
                        Local::set_value(made.make(request));
                        tokio::task::yield_now().await;
                        Local::with_value(|_| Local::set_value(made.make(request)));
                        Local::set_other(request);
                    })
                    .await
                    .unwrap();
                    most_alive = most_alive.max(counters.created() - counters.dropped());
                }
                assert!(
                    most_alive <= 2,
                    "{most_alive} values alive between requests"
                );
            });
        });
    });
}
