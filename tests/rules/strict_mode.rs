//! Rule E5: strict mode, which users switch on in their tests, makes a read in untracked work
//! (a tokio task that ctxlocal did not start) panic with the same guidance as a write there,
//! instead of silently giving `None`. Tracked reads, plain threads and log integrations are
//! unaffected.
//!
//! Other tests of this binary must keep the default behaviour, so these tests switch strict
//! mode on per thread: on the threads of their own runtime (`on_thread_start`) and on their
//! own test thread, never for the whole process.
#![cfg(feature = "tokio")]

use crate::support;

use std::future::Future;

use ctxlocal::{Context, ContextExt, async_local};
use support::{Rng, panic_message, random_yields};

#[async_local]
struct Local {
    value: u64,
    #[local(default = 3)]
    retries: u32,
}

#[async_local(thread_critical)]
struct Connection {
    handle: u64,
}

/// A multi-threaded runtime whose worker and blocking threads all run in strict mode.
fn strict_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .on_thread_start(ctxlocal::strict::enable_on_this_thread)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// The panic message of `read` run in a plain tokio task, if it panicked.
async fn panic_of_plain_task<R: Send + 'static>(
    read: impl Future<Output = R> + Send + 'static,
) -> Option<String> {
    match tokio::spawn(read).await {
        Ok(_) => None,
        Err(error) => Some(panic_message(&*error.into_panic())),
    }
}

fn assert_guidance(message: &str) {
    assert!(message.contains("strict mode"), "{message}");
    assert!(message.contains("read"), "{message}");
    assert!(message.contains("ctxlocal::spawn"), "{message}");
    assert!(message.contains(".in_current_context()"), "{message}");
    assert!(message.contains("ScopeLayer"), "{message}");
}

#[test]
fn every_kind_of_read_in_a_plain_tokio_task_panics_with_guidance() {
    support::quiet_expected_panics();
    strict_runtime().block_on(async {
        let reads: Vec<(&str, fn())> = vec![
            ("value", || {
                Local::value();
            }),
            ("with_value", || Local::with_value(|_| ())),
            ("is_value_set", || {
                Local::is_value_set();
            }),
            ("retries (with a default)", || {
                Local::retries();
            }),
            ("thread-critical handle", || {
                Connection::handle();
            }),
            // An explicit frame inside a plain task carries default-mode values, but the
            // thread's thread-critical namespace stays hidden there (writes are refused).
            ("thread-critical handle in Context::run", || {
                Context::empty().run(|| {
                    Connection::handle();
                })
            }),
        ];
        for (what, read) in reads {
            let message = panic_of_plain_task(async move { read() }).await;
            let message = message.unwrap_or_else(|| panic!("{what}: no panic"));
            assert!(message.contains("strict mode"), "{what}: {message}");
            assert_guidance(&message);
        }
        // A plain `spawn_blocking` closure is untracked too.
        let blocking = tokio::task::spawn_blocking(Local::value).await;
        assert_guidance(&panic_message(&*blocking.unwrap_err().into_panic()));
    });
}

#[test]
fn without_strict_mode_the_same_reads_quietly_give_none() {
    // This test's own runtime does not enable strict mode: the default behaviour (rule D8).
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let seen = runtime.block_on(async {
        tokio::spawn(async { (Local::value(), Local::retries(), Connection::handle()) })
            .await
            .unwrap()
    });
    assert_eq!(seen, (None, 3, None));
}

#[test]
fn tracked_reads_are_unaffected_by_strict_mode() {
    strict_runtime().block_on(async {
        let handles: Vec<_> = (0..1_000u64)
            .map(|n| {
                let task = async move {
                    let mut rng = Rng::new(n);
                    // Unset reads in tracked work are fine: they are not a lost context.
                    let unset = (Local::value(), Connection::handle());
                    Local::set_value(n);
                    random_yields(&mut rng, 3).await;
                    let child = ctxlocal::spawn(async { Local::value() }).await.unwrap();
                    let blocking = ctxlocal::sync_to_async(Local::value).await;
                    let snapshot = ctxlocal::spawn_blocking(Local::value).await.unwrap();
                    random_yields(&mut rng, 3).await;
                    (n, unset, Local::value(), child, blocking, snapshot)
                };
                // Half the tasks are started by ctxlocal, half are plain tasks made tracked
                // by the wrapper.
                if n % 2 == 0 {
                    ctxlocal::spawn(task)
                } else {
                    tokio::spawn(task.in_current_context())
                }
            })
            .collect();
        for handle in handles {
            let (n, unset, own, child, blocking, snapshot) = handle.await.unwrap();
            assert_eq!(unset, (None, None));
            assert_eq!([own, child, blocking, snapshot], [Some(n); 4]);
        }
        // An explicit frame inside a plain task is tracked too.
        let explicit = tokio::spawn(async {
            Context::empty()
                .with(Local {
                    value: 7,
                    retries: 1,
                })
                .run(Local::value)
        });
        assert_eq!(explicit.await.unwrap(), Some(7));
    });
}

#[test]
fn plain_threads_are_unaffected_by_strict_mode() {
    ctxlocal::strict::enable_on_this_thread();
    assert!(ctxlocal::strict::is_enabled());
    // A plain thread's root context is its own (rule D8): reading it is no lost context.
    assert_eq!(Local::value(), None);
    Local::set_value(1);
    assert_eq!(Local::value(), Some(1));
    assert_eq!(Connection::handle(), None);
    // Other threads are not strict.
    let other = std::thread::spawn(ctxlocal::strict::is_enabled);
    assert!(!other.join().unwrap());
}

#[cfg(feature = "tracing")]
#[test]
fn log_lines_written_in_untracked_work_do_not_panic_in_strict_mode() {
    #[async_local]
    struct Traced {
        #[local(trace)]
        request_id: String,
    }

    let captured = support::Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .without_time()
        .with_target(false)
        .with_ansi(false)
        .map_event_format(ctxlocal::tracing::TraceFieldsFormat::new)
        .with_writer(move || writer.clone())
        .finish();
    let dispatch = tracing::Dispatch::new(subscriber);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .on_thread_start(ctxlocal::strict::enable_on_this_thread)
        .build()
        .unwrap();
    ctxlocal::strict::enable_on_this_thread();
    tracing::dispatcher::with_default(&dispatch, || {
        runtime.block_on(async {
            Traced::set_request_id("req-1".into());
            let tracked = ctxlocal::spawn(async { tracing::info!("tracked") });
            tracked.await.unwrap();
            let untracked = tokio::spawn(async { tracing::info!("untracked") });
            untracked.await.unwrap();
        });
    });
    let lines = captured.lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].contains(r#"tracked request_id="req-1""#),
        "{lines:?}"
    );
    assert!(lines[1].ends_with("untracked"), "{lines:?}");
}
