//! Threads (RELIABILITY.md, guarantees T1 and T2): a thread's root context is dropped when the
//! thread exits, with everything in it (also values left by bridges and in snapshots), and
//! `Drop` code running then sees an empty context and is refused writes instead of panicking;
//! a later thread never sees a dead thread's values; many threads hammering the same statics
//! at once never see each other's values.

use crate::support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier, mpsc};

use ctxlocal::{Context, async_local};
use support::{Counted, Counters, on_fresh_thread, on_plain_thread};

#[async_local]
struct Local {
    x: Counted,
    n: u64,
}

#[async_local]
struct Other {
    x: Counted,
    #[local(default)]
    label: String,
}

#[test]
fn values_in_a_threads_root_context_are_dropped_when_it_exits() {
    let counters = Counters::new();
    let threads: Vec<_> = (0..8u64)
        .map(|t| {
            let counters = counters.clone();
            std::thread::spawn(move || {
                Local::set_x(counters.make(t));
                Local::set_n(t);
                Other::set_x(counters.make(100 + t));
                Other::set_label(format!("thread {t}"));
                // Displaced values go at once; the current ones stay until the thread exits.
                Local::set_x(counters.make(t));
                let _snapshot_in_a_local = Context::current();
                // A snapshot kept in a thread-local of the user's is dropped at exit too.
                thread_local! {
                    static KEPT: std::cell::RefCell<Option<Context>> =
                        const { std::cell::RefCell::new(None) };
                }
                KEPT.with(|kept| *kept.borrow_mut() = Some(Context::current()));
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(counters.created(), 8 * 3);
    assert_eq!(counters.dropped(), 8 * 3);
}

/// At thread exit, reports what its `Drop` saw of the context.
struct ReportAtExit(mpsc::Sender<(Option<u64>, bool, bool)>);

impl Drop for ReportAtExit {
    fn drop(&mut self) {
        let seen = Local::n();
        let refused = Local::try_set_n(1);
        let refused_because_exiting = refused.as_ref().is_err_and(|e| e.is_thread_exiting());
        let _ = self
            .0
            .send((seen, refused.is_err(), refused_because_exiting));
    }
}

#[async_local]
struct Exit {
    guard: ReportAtExit,
}

#[test]
fn drop_code_running_at_thread_exit_sees_an_empty_context_and_is_refused_writes() {
    let (tx, rx) = mpsc::channel();
    on_plain_thread(move || {
        Local::set_n(5);
        Exit::set_guard(ReportAtExit(tx));
    });
    // The root context is taken down as a whole: the guard's Drop sees nothing, and its write
    // is refused with an error that says why (no panic, which would abort the process here).
    assert_eq!(rx.recv().unwrap(), (None, true, true));
}

#[test]
fn values_left_by_bridges_on_a_plain_thread_are_dropped_when_it_exits() {
    let counters = on_fresh_thread(|counters| {
        // No runtime here: `async_to_sync` uses its per-thread fallback runtime.
        let c = counters.clone();
        ctxlocal::async_to_sync(async move {
            Local::set_x(c.make(1));
            let c2 = c.clone();
            // A child that finishes: its values go with it.
            ctxlocal::spawn(async move { Other::set_x(c2.make(2)) })
                .await
                .unwrap();
        });
        assert_eq!(Local::with_x(|x| x.map(|x| x.id)), Some(1));
        assert_eq!(counters.created() - counters.dropped(), 1);
    });
    assert_eq!((counters.created(), counters.dropped()), (2, 2));
}

#[test]
fn a_task_left_pending_on_the_async_to_sync_fallback_runtime_is_dropped_at_thread_exit() {
    let counters = on_fresh_thread(|counters| {
        let c = counters.clone();
        ctxlocal::async_to_sync(async move {
            Local::set_x(c.make(1));
            // Never finishes: it stays on this thread's fallback runtime.
            ctxlocal::spawn(async move {
                Local::set_x(c.make(2));
                std::future::pending::<()>().await;
            });
            tokio::task::yield_now().await;
        });
        assert_eq!(counters.created(), 2);
    });
    // The fallback runtime went with the thread, and the task's context with it.
    assert_eq!((counters.created(), counters.dropped()), (2, 2));
}

#[test]
fn a_current_thread_runtimes_tasks_and_root_values_are_dropped_with_it() {
    let counters = on_fresh_thread(|counters| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let c = counters.clone();
        runtime.block_on(async move {
            // `block_on`'s future is not a task: it writes the thread's root context.
            Local::set_x(c.make(1));
            // A task that never finishes holds a value until the runtime goes.
            let c2 = c.clone();
            ctxlocal::spawn(async move {
                Local::set_x(c2.make(2));
                std::future::pending::<()>().await;
            });
            tokio::task::yield_now().await;
        });
        assert_eq!(Local::with_x(|x| x.map(|x| x.id)), Some(1));
        assert_eq!(counters.dropped(), 0);
        drop(runtime);
        assert_eq!(
            counters.dropped(),
            1,
            "the pending task's context went with it"
        );
    });
    assert_eq!((counters.created(), counters.dropped()), (2, 2));
}

#[test]
fn a_new_thread_never_sees_a_dead_threads_values() {
    // Threads one after another, so their thread-local storage is likely reused.
    for t in 0..200u64 {
        let seen = on_plain_thread(move || {
            let seen = (Local::n(), Other::label());
            Local::set_n(t);
            Other::set_label(t.to_string());
            seen
        });
        assert_eq!(seen, (None, String::new()), "thread {t}");
    }
}

/// Threads x iterations of set/get (through every accessor) on the same statics, all threads
/// started together: any cross-talk shows up as another thread's number.
#[test]
fn eight_threads_twenty_thousand_set_get_each_with_zero_cross_talk() {
    const THREADS: u64 = 8;
    const ITERATIONS: u64 = 20_000;
    let counters = Counters::new();
    let start = Arc::new(Barrier::new(THREADS as usize));
    let wrong = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let counters = counters.clone();
            let start = start.clone();
            let wrong = wrong.clone();
            std::thread::spawn(move || {
                let bad = |what: &str, got: Option<u64>, want: Option<u64>| {
                    if got != want {
                        wrong.fetch_add(1, Ordering::Relaxed);
                        eprintln!("thread {t}: {what} is {got:?}, expected {want:?}");
                    }
                };
                start.wait();
                for i in 0..ITERATIONS {
                    let mine = t << 32 | i;
                    match i % 5 {
                        0 => Local::set_x(counters.make(mine)),
                        1 => {
                            let previous = Local::replace_x(counters.make(mine));
                            bad("previous", previous.map(|p| p.id), Some(mine - 1));
                        }
                        2 => Local::update_x(|x| x.as_mut().unwrap().id = mine),
                        3 => {
                            let taken = Local::take_x().map(|x| x.id);
                            bad("taken", taken, Some(mine - 1));
                            bad("after take", Local::with_x(|x| x.map(|x| x.id)), None);
                            Local::set_x(counters.make(mine));
                        }
                        _ => Local {
                            x: counters.make(mine),
                            n: mine,
                        }
                        .set(),
                    }
                    Local::set_n(mine);
                    Other::set_label(t.to_string());
                    bad("x", Local::with_x(|x| x.map(|x| x.id)), Some(mine));
                    bad("x clone", Local::x().map(|x| x.id), Some(mine));
                    bad("n", Local::n(), Some(mine));
                    bad("label", Other::with_label(|l| l.parse().ok()), Some(t));
                }
                Local::clear();
                Other::clear();
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(
        wrong.load(Ordering::Relaxed),
        0,
        "cross-talk between threads"
    );
    assert_eq!(counters.created(), counters.dropped());
    assert!(counters.created() as u64 >= THREADS * ITERATIONS);
}
