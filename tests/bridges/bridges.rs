//! Rules D5, D6, D7: `ctxlocal::sync_to_async` and `ctxlocal::async_to_sync` continue the
//! caller's context, and what the bridged code writes *or takes* flows back into the caller
//! when it completes (also when it panics), merged per struct. Any nesting of the two works.
//!
//! Everything runs on multi-threaded runtimes (or on plain OS threads for `async_to_sync`);
//! concurrency is arranged with channels and barriers, never with sleeps.

use crate::support;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ctxlocal::{Context, async_local, async_to_sync, sync_to_async};
use support::{
    Rng, catch_unwind_future, finishes_within, in_task, on_plain_thread,
    one_blocking_thread_runtime, panic_message, random_yields,
};
use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::oneshot;

#[async_local]
struct Local {
    value: u64,
    label: String,
}

/// A second struct, to observe that write-back is per struct.
#[async_local]
struct Other {
    value: u64,
}

// ---------------------------------------------------------------------------------------------
// D5: sync_to_async
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_to_async_write_flows_back_to_the_awaiting_task() {
    in_task(async {
        Local::set_value(1);
        let seen = sync_to_async(|| {
            let seen = (Local::value(), Local::label());
            Local::set_value(2);
            Local::set_label("from the blocking pool".into());
            seen
        })
        .await;
        assert_eq!(seen, (Some(1), None));
        assert_eq!(Local::value(), Some(2));
        assert_eq!(Local::label().as_deref(), Some("from the blocking pool"));
        // Still there after the task has had every chance to move to another worker.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert_eq!(Local::value(), Some(2));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_to_async_runs_on_the_blocking_pool_not_on_the_callers_thread() {
    in_task(async {
        Local::set_value(7);
        // Read in the same poll that starts the closure: this worker thread is busy polling
        // the task, so the closure necessarily runs on another (blocking pool) thread.
        let caller = std::thread::current().id();
        let (inside, in_runtime, seen) = sync_to_async(|| {
            (
                std::thread::current().id(),
                Handle::try_current().is_ok(),
                Local::value(),
            )
        })
        .await;
        assert_ne!(inside, caller);
        assert!(
            in_runtime,
            "the closure runs on the runtime's blocking pool"
        );
        assert_eq!(seen, Some(7));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_to_async_take_flows_back() {
    in_task(async {
        Local::set_value(5);
        Local::set_label("kept".into());
        let taken = sync_to_async(Local::take_value).await;
        assert_eq!(taken, Some(5));
        assert_eq!(Local::value(), None);
        assert!(!Local::is_value_set());
        // Only the taken field is gone.
        assert_eq!(Local::label().as_deref(), Some("kept"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_to_async_clear_flows_back() {
    in_task(async {
        Local::set_value(5);
        Local::set_label("gone".into());
        Other::set_value(6);
        sync_to_async(Local::clear).await;
        assert_eq!((Local::value(), Local::label()), (None, None));
        assert_eq!(Other::value(), Some(6));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_to_async_writes_back_then_resumes_the_panic() {
    in_task(async {
        Local::set_value(1);
        Local::set_label("taken before the panic".into());
        let result = catch_unwind_future(sync_to_async(|| {
            Local::set_value(2);
            Local::take_label();
            panic!("boom on the blocking pool");
        }))
        .await;
        let payload = result.expect_err("the closure's panic resumes in the awaiting task");
        assert_eq!(panic_message(&*payload), "boom on the blocking pool");
        assert_eq!(Local::value(), Some(2));
        assert_eq!(Local::label(), None);
        // The task's context is still usable afterwards.
        Local::set_value(3);
        assert_eq!(sync_to_async(Local::value).await, Some(3));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_to_async_writes_reach_the_caller_only_when_the_await_completes() {
    in_task(async {
        Local::set_value(1);
        let (written_tx, written_rx) = oneshot::channel::<()>();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let bridge = sync_to_async(move || {
            Local::set_value(2);
            written_tx.send(()).unwrap();
            go_rx.recv().unwrap();
        });
        let caller = async move {
            written_rx.await.unwrap();
            // The closure has written, but its await has not completed: nothing is live-shared.
            let during = Local::value();
            go_tx.send(()).unwrap();
            during
        };
        let ((), during) = tokio::join!(bridge, caller);
        assert_eq!(during, Some(1));
        assert_eq!(Local::value(), Some(2));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sync_to_async_calls_writing_different_structs_both_flow_back() {
    in_task(async {
        Local::set_value(1);
        Other::set_value(10);
        // Both closures run at the same time: each has its snapshot before either writes.
        let both_started = Arc::new(std::sync::Barrier::new(2));
        let first = sync_to_async({
            let both_started = both_started.clone();
            move || {
                both_started.wait();
                Local::set_value(2);
                Other::value()
            }
        });
        let second = sync_to_async({
            let both_started = both_started.clone();
            move || {
                both_started.wait();
                Other::set_value(20);
                Local::value()
            }
        });
        let (first_saw, second_saw) = tokio::join!(first, second);
        // Neither saw the other's write...
        assert_eq!((first_saw, second_saw), (Some(10), Some(1)));
        // ...and both flowed back: the later write-back did not restore the other struct.
        assert_eq!(Local::value(), Some(2));
        assert_eq!(Other::value(), Some(20));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_back_is_per_struct_and_keeps_the_callers_concurrent_writes_to_other_structs() {
    in_task(async {
        Local::set_value(1);
        Local::set_label("before".into());
        Other::set_value(10);
        let (started_tx, started_rx) = oneshot::channel::<()>();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let bridge = sync_to_async(move || {
            started_tx.send(()).unwrap();
            go_rx.recv().unwrap();
            Local::set_value(2);
        });
        let caller = async move {
            started_rx.await.unwrap();
            // While the closure runs, the same task writes a struct the closure does not
            // write, and another field of the struct it does write.
            Other::set_value(30);
            Local::set_label("caller".into());
            go_tx.send(()).unwrap();
        };
        tokio::join!(bridge, caller);
        // A struct the closure did not write keeps the caller's current value.
        assert_eq!(Other::value(), Some(30));
        // The struct it wrote comes back whole, as the closure left it: the caller's concurrent
        // write to another field of that struct is replaced (the merge unit is the struct).
        assert_eq!(Local::value(), Some(2));
        assert_eq!(Local::label().as_deref(), Some("before"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_to_async_is_lazy_until_polled() {
    in_task(async {
        Local::set_value(1);
        let ran = Arc::new(AtomicBool::new(false));
        let bridge = sync_to_async({
            let ran = ran.clone();
            move || {
                ran.store(true, Ordering::SeqCst);
                Local::value()
            }
        });
        Local::set_value(2);
        assert!(!ran.load(Ordering::SeqCst));
        // The closure sees the values of the first poll, not of the call.
        assert_eq!(bridge.await, Some(2));
        assert!(ran.load(Ordering::SeqCst));
        // (Dropped before its first poll, a bridge never runs its closure at all: see
        // `sync_to_async_dropped_before_its_first_poll_never_runs_its_closure` in
        // `tests/robustness/cancellation.rs`.)
    })
    .await;
}

#[test]
fn sync_to_async_leaves_nothing_on_the_reused_blocking_thread() {
    // One blocking thread, so both closures run on the same, reused OS thread.
    one_blocking_thread_runtime().block_on(in_task(async {
        let first = sync_to_async(|| {
            Local::set_value(6);
            std::thread::current().id()
        })
        .await;
        assert_eq!(Local::value(), Some(6));
        let (second, seen) = Context::empty()
            .scope(sync_to_async(|| {
                (std::thread::current().id(), Local::value())
            }))
            .await;
        assert_eq!(
            first, second,
            "the test needs the blocking thread to be reused"
        );
        assert_eq!(seen, None);
    }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_to_async_in_a_plain_tokio_task_sees_nothing_and_cannot_write_back() {
    // Rule D8 meets D5: a plain tokio task carries no context, so the closure sees nothing,
    // and a write that would have to flow back into it is refused with a panic in the task.
    Local::set_value(1);
    let seen = tokio::spawn(sync_to_async(Local::value)).await.unwrap();
    assert_eq!(seen, None);
    let refused = tokio::spawn(sync_to_async(|| Local::set_value(2)))
        .await
        .expect_err("the write cannot flow back into an untracked task")
        .into_panic();
    let message = panic_message(&*refused);
    assert!(message.contains("ctxlocal::spawn"), "{message}");
    assert_eq!(Local::value(), Some(1));
}

// ---------------------------------------------------------------------------------------------
// D6: async_to_sync
// ---------------------------------------------------------------------------------------------

#[test]
fn async_to_sync_from_a_plain_thread_sees_and_writes_back_the_threads_values() {
    on_plain_thread(|| {
        Local::set_value(12);
        Local::set_label("taken inside".into());
        Other::set_value(1);
        let seen = async_to_sync(async {
            tokio::task::yield_now().await;
            let seen = (Local::value(), Local::label(), Other::value());
            Local::set_value(13);
            tokio::task::yield_now().await;
            Local::take_label();
            seen
        });
        assert_eq!(seen, (Some(12), Some("taken inside".into()), Some(1)));
        assert_eq!(Local::value(), Some(13));
        assert_eq!(Local::label(), None);
        assert!(!Local::is_label_set());
        assert_eq!(Other::value(), Some(1));
    });
}

#[test]
fn async_to_sync_writes_back_on_panic() {
    on_plain_thread(|| {
        Local::set_value(1);
        Local::set_label("taken".into());
        let payload = catch_unwind(|| {
            async_to_sync(async {
                Local::set_value(2);
                tokio::task::yield_now().await;
                Local::take_label();
                panic!("boom in the future");
            })
        })
        .expect_err("the future's panic resumes in the caller");
        assert_eq!(panic_message(&*payload), "boom in the future");
        assert_eq!(Local::value(), Some(2));
        assert_eq!(Local::label(), None);
    });
}

#[test]
fn async_to_sync_works_again_on_the_same_thread_after_a_panic() {
    on_plain_thread(|| {
        let first = catch_unwind(|| async_to_sync(async { panic!("first call panics") }));
        assert!(first.is_err());
        Local::set_value(1);
        let seen = async_to_sync(async {
            let seen = Local::value();
            tokio::task::yield_now().await;
            Local::set_value(2);
            seen
        });
        assert_eq!(seen, Some(1));
        assert_eq!(Local::value(), Some(2));
    });
}

#[test]
fn writes_by_tasks_spawned_inside_async_to_sync_do_not_flow_back() {
    on_plain_thread(|| {
        Local::set_value(1);
        let child_saw = async_to_sync(async {
            let child = ctxlocal::spawn(async {
                let inherited = Local::value();
                Local::set_value(2);
                Other::set_value(3);
                sync_to_async(|| Local::set_label("child".into())).await;
                (inherited, Local::value(), Local::label())
            });
            let child_saw = child.await.unwrap();
            // The future's own write does flow back.
            Local::set_label("future".into());
            child_saw
        });
        assert_eq!(child_saw, (Some(1), Some(2), Some("child".into())));
        assert_eq!(Local::value(), Some(1));
        assert_eq!(Other::value(), None);
        assert_eq!(Local::label().as_deref(), Some("future"));
    });
}

#[test]
fn async_to_sync_from_a_plain_thread_reuses_one_runtime_per_thread() {
    on_plain_thread(|| {
        Local::set_value(1);
        let (tx, rx) = oneshot::channel::<u64>();
        let (child, flavor) = async_to_sync(async {
            let child = ctxlocal::spawn(async move {
                let inherited = Local::value().unwrap();
                inherited + rx.await.unwrap()
            });
            (child, Handle::current().runtime_flavor())
        });
        assert_eq!(flavor, RuntimeFlavor::CurrentThread);
        tx.send(41).unwrap();
        // The task spawned by the first call is still alive on this thread's runtime, and the
        // second call drives it to completion.
        assert_eq!(async_to_sync(child).unwrap(), 42);
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_to_sync_inside_sync_to_async_runs_on_the_callers_runtime() {
    in_task(async {
        Local::set_value(1);
        let (tx, rx) = oneshot::channel::<u64>();
        let (flavor, child) = sync_to_async(move || {
            async_to_sync(async move {
                let child =
                    ctxlocal::spawn(async move { Local::value().unwrap() + rx.await.unwrap() });
                (Handle::current().runtime_flavor(), child)
            })
        })
        .await;
        assert_eq!(flavor, RuntimeFlavor::MultiThread);
        tx.send(10).unwrap();
        // A runtime made for the one call would have cancelled this task when it returned.
        assert_eq!(child.await.unwrap(), 11);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_to_sync_inside_an_async_task_panics_with_a_clear_message() {
    in_task(async {
        Local::set_value(1);
        let polled = Arc::new(AtomicBool::new(false));
        // Deep sync code called from the task, as it would be in a real program.
        fn blocking_helper(polled: Arc<AtomicBool>) {
            async_to_sync(async move {
                polled.store(true, Ordering::SeqCst);
                Local::set_value(2);
            });
        }
        let payload = catch_unwind(AssertUnwindSafe(|| blocking_helper(polled.clone())))
            .expect_err("async_to_sync must refuse to block an executor thread");
        let message = panic_message(&*payload);
        assert!(
            message.contains("`async_to_sync` was called from async code"),
            "{message}"
        );
        assert!(message.contains("`.await` the future instead"), "{message}");
        assert!(message.contains("ctxlocal::sync_to_async"), "{message}");
        assert!(!polled.load(Ordering::SeqCst), "the future must not run");
        assert_eq!(Local::value(), Some(1));
    })
    .await;
}

#[test]
fn async_to_sync_inside_the_future_of_async_to_sync_panics_with_the_same_message() {
    on_plain_thread(|| {
        Local::set_value(1);
        let message = async_to_sync(async {
            Local::set_value(2);
            let payload = catch_unwind(|| async_to_sync(async { Local::set_value(3) }))
                .expect_err("nested async_to_sync must refuse");
            panic_message(&*payload)
        });
        assert!(
            message.contains("`async_to_sync` was called from async code"),
            "{message}"
        );
        // The outer call was unaffected and wrote back.
        assert_eq!(Local::value(), Some(2));
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_to_sync_in_a_plain_tokio_task_panics_without_running_the_future() {
    let polled = Arc::new(AtomicBool::new(false));
    let payload = tokio::spawn({
        let polled = polled.clone();
        async move { async_to_sync(async move { polled.store(true, Ordering::SeqCst) }) }
    })
    .await
    .expect_err("blocking inside a runtime worker must be refused")
    .into_panic();
    // Refused by tokio itself (the crate does not track this task), with tokio's message.
    let message = panic_message(&*payload);
    assert!(
        message.starts_with("Cannot start a runtime from within a runtime."),
        "{message}"
    );
    assert!(!polled.load(Ordering::SeqCst));
}

#[test]
fn a_borrow_held_across_async_to_sync_stays_intact_while_the_write_back_lands() {
    on_plain_thread(|| {
        Local::set_label("borrowed".into());
        let (during, after_write_back) = Local::with_label(|label| {
            let label = label.unwrap();
            async_to_sync(async { Local::set_label("written back".into()) });
            // The write-back replaced the value in the context, not the one borrowed here.
            (label.clone(), Local::label())
        });
        assert_eq!(during, "borrowed");
        assert_eq!(after_write_back.as_deref(), Some("written back"));
        assert_eq!(Local::label().as_deref(), Some("written back"));
    });
}

/// A thread that entered a current-thread runtime nobody drives (`Runtime::enter` without
/// `block_on`): `Handle::block_on` would only poll the future itself, so a task it spawns (or a
/// timer or IO it waits for) would never make progress. `async_to_sync` detects that case and
/// uses its own runtime. The watchdog is a deadlock detector, not synchronisation.
#[test]
fn async_to_sync_after_entering_a_current_thread_runtime_runs_the_tasks_it_spawns() {
    let seen = finishes_within(
        10,
        "async_to_sync after Runtime::enter (the spawned task never ran?)",
        || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let _entered = runtime.enter();
            Local::set_value(1);
            async_to_sync(async { ctxlocal::spawn(async { Local::value() }).await.unwrap() })
        },
    );
    assert_eq!(seen, Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_passing_through_bridges_are_dropped_exactly_once() {
    #[async_local]
    struct Tracked {
        value: support::Counted,
    }

    let counters = support::Counters::new();
    let made = counters.clone();
    in_task(async move {
        Tracked::set_value(made.make(1));
        let make = made.clone();
        sync_to_async(move || Tracked::set_value(make.make(2))).await;
        assert_eq!(Tracked::with_value(|v| v.map(|v| v.id)), Some(2));
        let taken = sync_to_async(Tracked::take_value).await;
        assert_eq!(taken.map(|v| v.id), Some(2));
        let make = made.clone();
        sync_to_async(move || async_to_sync(async move { Tracked::set_value(make.make(3)) })).await;
        let make = made.clone();
        let panicked = catch_unwind_future(sync_to_async(move || {
            Tracked::set_value(make.make(4));
            panic!("dropped once, even on this path");
        }))
        .await;
        assert!(panicked.is_err());
        assert_eq!(Tracked::with_value(|v| v.map(|v| v.id)), Some(4));
    })
    .await;
    // The task is over and its context with it: every value made on either side of the
    // bridges was dropped, once. Five values: the four made above, and the copy the take made
    // (its closure's snapshot shared value 2 with the awaiting task's context, so the take
    // returned a clone and the original was dropped by the write-back).
    assert_eq!(counters.created(), 5);
    assert_eq!(counters.dropped(), counters.created());
}

// ---------------------------------------------------------------------------------------------
// D7: nesting
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_layers_async_sync_async_sync_async_innermost_write_is_visible_at_the_top() {
    in_task(async {
        Local::set_value(1);
        Local::set_label("top".into());
        let seen_in_layer_1 = sync_to_async(|| {
            // Layer 1: sync, on the blocking pool.
            assert_eq!(Local::value(), Some(1));
            Other::set_value(1);
            async_to_sync(async {
                // Layer 2: async.
                assert_eq!(Other::value(), Some(1));
                sync_to_async(|| {
                    // Layer 3: sync, on another blocking thread.
                    async_to_sync(async {
                        // Layer 4: async, innermost.
                        assert_eq!(Local::value(), Some(1));
                        assert_eq!(Local::label().as_deref(), Some("top"));
                        tokio::task::yield_now().await;
                        Local::set_value(4);
                        Local::take_label();
                        Other::set_value(4);
                    });
                    assert_eq!(Local::value(), Some(4));
                })
                .await;
                assert_eq!(Local::value(), Some(4));
            });
            (Local::value(), Local::label())
        })
        .await;
        assert_eq!(seen_in_layer_1, (Some(4), None));
        assert_eq!(Local::value(), Some(4));
        assert_eq!(Local::label(), None);
        assert_eq!(Other::value(), Some(4));
    })
    .await;
}

#[test]
fn four_layers_sync_async_sync_async_from_a_plain_thread_innermost_write_is_visible_at_the_top() {
    on_plain_thread(|| {
        Local::set_value(1);
        async_to_sync(async {
            // On this thread's own current-thread runtime.
            sync_to_async(|| {
                async_to_sync(async {
                    assert_eq!(Local::value(), Some(1));
                    tokio::task::yield_now().await;
                    Local::set_value(4);
                    Local::set_label("innermost".into());
                });
            })
            .await;
            assert_eq!(Local::value(), Some(4));
        });
        assert_eq!(Local::value(), Some(4));
        assert_eq!(Local::label().as_deref(), Some("innermost"));
    });
}

// ---------------------------------------------------------------------------------------------
// Stress: many tasks bridging at once
// ---------------------------------------------------------------------------------------------

/// 100 tasks, all alive at once, each going through the bridges (plain, taking, nested, and
/// through a child task) in a random order with random yields, and checking after every step
/// that it sees exactly its own values.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_concurrent_tasks_doing_bridges_each_see_only_their_own_values() {
    const TASKS: u64 = 100;
    const STEPS: u64 = 16;
    let start = Arc::new(tokio::sync::Barrier::new(TASKS as usize));
    Local::set_value(u64::MAX);
    let handles: Vec<_> = (0..TASKS)
        .map(|n| {
            let start = start.clone();
            ctxlocal::spawn(async move {
                let mut rng = Rng::new(n + 1);
                let mut wrong: Vec<String> = Vec::new();
                let mut check = |what: &str, step: u64, ok: bool| {
                    if !ok {
                        wrong.push(format!("task {n} step {step}: {what}"));
                    }
                };
                check("inherited value", 0, Local::value() == Some(u64::MAX));
                start.wait().await;
                let label = format!("task {n}");
                Local::set_label(label.clone());
                for step in 0..STEPS {
                    let mine = n * 1_000 + step;
                    let before = Local::value();
                    match rng.below(4) {
                        0 => {
                            let seen = sync_to_async(move || {
                                let seen = Local::value();
                                Local::set_value(mine);
                                seen
                            })
                            .await;
                            check("seen by sync_to_async", step, seen == before);
                        }
                        1 => {
                            let taken = sync_to_async(Local::take_value).await;
                            check("taken by sync_to_async", step, taken == before);
                            random_yields(&mut rng, 3).await;
                            check("value after take", step, Local::value().is_none());
                            Local::set_value(mine);
                        }
                        2 => {
                            let seed = rng.next();
                            let seen = sync_to_async(move || {
                                async_to_sync(async move {
                                    let mut rng = Rng::new(seed);
                                    random_yields(&mut rng, 3).await;
                                    let seen = Local::value();
                                    Local::set_value(mine);
                                    random_yields(&mut rng, 3).await;
                                    seen
                                })
                            })
                            .await;
                            check("seen by nested async_to_sync", step, seen == before);
                        }
                        _ => {
                            let child = ctxlocal::spawn(async move {
                                sync_to_async(move || Local::set_value(mine + 500)).await;
                                Local::value()
                            })
                            .await
                            .unwrap();
                            check("child's own value", step, child == Some(mine + 500));
                            check("child write leaked", step, Local::value() == before);
                            Local::set_value(mine);
                        }
                    }
                    random_yields(&mut rng, 3).await;
                    check("value after step", step, Local::value() == Some(mine));
                    check(
                        "label after step",
                        step,
                        Local::label().as_deref() == Some(label.as_str()),
                    );
                }
                wrong
            })
        })
        .collect();
    let mut wrong = Vec::new();
    for handle in handles {
        wrong.extend(handle.await.unwrap());
    }
    assert!(
        wrong.is_empty(),
        "{} wrong observations: {wrong:#?}",
        wrong.len()
    );
    assert_eq!(Local::value(), Some(u64::MAX));
    assert_eq!(Local::label(), None);
}

// ---------------------------------------------------------------------------------------------
// Regressions: block_in_place, thread-local destructors, many structs
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_to_sync_inside_block_in_place_runs_and_writes_back_into_the_task() {
    in_task(async {
        Local::set_value(1);
        let seen = tokio::task::block_in_place(|| {
            async_to_sync(async {
                let seen = Local::value();
                // The future runs on the task's runtime: its timers and tasks work.
                let child = ctxlocal::spawn(async { Local::value() }).await.unwrap();
                Local::set_value(2);
                (seen, child)
            })
        });
        assert_eq!(seen, (Some(1), Some(1)));
        assert_eq!(Local::value(), Some(2));
        // Still the task's value after it had every chance to move to another worker.
        tokio::task::yield_now().await;
        assert_eq!(Local::value(), Some(2));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_to_sync_in_async_code_outside_block_in_place_is_still_refused() {
    in_task(async {
        let payload =
            catch_unwind(|| async_to_sync(async { Local::set_value(2) })).expect_err("must refuse");
        let message = panic_message(&*payload);
        assert!(message.contains("block_in_place"), "{message}");
        assert_eq!(Local::value(), None);
    })
    .await;
}

#[test]
fn async_to_sync_in_a_thread_local_destructor_after_tokio_is_gone_does_not_abort() {
    struct CallsAsyncToSync(std::sync::mpsc::Sender<(u64, Option<u64>)>);
    impl Drop for CallsAsyncToSync {
        fn drop(&mut self) {
            let seen = async_to_sync(async {
                Local::set_value(41);
                let (tx, rx) = oneshot::channel();
                std::thread::spawn(move || tx.send(1).unwrap());
                Local::value().unwrap() + rx.await.unwrap()
            });
            let _ = self.0.send((seen, Local::value()));
        }
    }
    thread_local! {
        static ON_EXIT: std::cell::RefCell<Option<CallsAsyncToSync>> =
            const { std::cell::RefCell::new(None) };
    }
    let (tx, rx) = std::sync::mpsc::channel();
    on_plain_thread(move || {
        // Registered first, so destroyed after the root context and tokio's thread state,
        // which are registered below (destructors run in reverse order).
        ON_EXIT.with(|slot| *slot.borrow_mut() = Some(CallsAsyncToSync(tx)));
        Local::set_value(7);
        assert!(Handle::try_current().is_err());
    });
    // It ran, without a runtime and without aborting; its write had no root context to
    // land in (it is gone), so the thread's context reads as empty there.
    assert_eq!(rx.recv().unwrap(), (42, None));
}

/// Seventy structs, so that some have key indices past 64 whatever order tests run in.
macro_rules! many_structs {
    ($($name:ident)*) => {
        $(
            #[async_local]
            struct $name {
                value: u64,
            }
        )*

        /// For each struct: in a bridge, set then clear it while the caller sets it
        /// concurrently; what the caller reads afterwards.
        async fn set_then_clear_in_a_bridge_for_each_struct() -> Vec<Option<u64>> {
            let mut seen = Vec::new();
            $(
                // Give the struct its key index (in a throwaway context).
                Context::empty().run(|| $name::set_value(0));
                let (caller_set, wait) = std::sync::mpsc::channel::<()>();
                let bridge = sync_to_async(move || {
                    $name::set_value(1);
                    $name::clear();
                    wait.recv().unwrap();
                });
                let caller = async {
                    $name::set_value(2);
                    caller_set.send(()).unwrap();
                };
                tokio::join!(bridge, caller);
                seen.push($name::value());
            )*
            seen
        }
    };
}

many_structs!(
    M00 M01 M02 M03 M04 M05 M06 M07 M08 M09 M10 M11 M12 M13 M14 M15 M16 M17 M18 M19
    M20 M21 M22 M23 M24 M25 M26 M27 M28 M29 M30 M31 M32 M33 M34 M35 M36 M37 M38 M39
    M40 M41 M42 M43 M44 M45 M46 M47 M48 M49 M50 M51 M52 M53 M54 M55 M56 M57 M58 M59
    M60 M61 M62 M63 M64 M65 M66 M67 M68 M69
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_back_of_a_set_then_cleared_struct_is_the_same_whatever_its_key_index() {
    let seen = in_task(set_then_clear_in_a_bridge_for_each_struct()).await;
    // The bridge wrote the struct last (its clear), so that is what the caller sees: for
    // every struct alike, the first and the seventieth.
    assert_eq!(seen, vec![None; 70]);
}
