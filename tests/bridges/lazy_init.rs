//! `with_<field>_or_init(init, f)` (issue 17 item 7), the seeds' `ThreadLocalDB.connection`
//! pattern: a field initialised on first use in the current context (or thread-critical
//! namespace), then lent; `init` runs at most once per context, also when it reenters, and the
//! field's type need not be `Clone`.

use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::ThreadId;

use ctxlocal::{async_local, sync_to_async, thread_sensitive_context};
use support::{catch_unwind_future, in_task, on_plain_thread, panic_message};

/// Not `Clone`: only borrowed.
#[derive(Debug, PartialEq)]
struct Handle {
    serial: usize,
}

#[async_local]
struct Shared {
    handle: Handle,
    #[local(default = 5)]
    limit: u32,
}

/// A connection per thread, opened on first use there.
#[async_local(thread_critical)]
struct PerThread {
    connection: (ThreadId, usize),
}

/// Counts the `init` calls; each makes a new serial number.
#[derive(Clone, Default)]
struct Opened(Arc<AtomicUsize>);

impl Opened {
    fn open(&self) -> Handle {
        Handle {
            serial: self.0.fetch_add(1, Ordering::SeqCst) + 1,
        }
    }

    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

#[test]
fn init_runs_once_per_context_and_the_value_is_lent_without_clone() {
    on_plain_thread(|| {
        let opened = Opened::default();
        let first = Shared::with_handle_or_init(|| opened.open(), |h| h.serial);
        let second = Shared::with_handle_or_init(|| opened.open(), |h| h.serial);
        assert_eq!((first, second), (1, 1));
        assert_eq!(opened.count(), 1);
        assert!(Shared::is_handle_set());
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_task_initialises_its_own_and_a_child_inherits_what_is_there() {
    let opened = Opened::default();
    let (a, b) = tokio::join!(
        in_task({
            let opened = opened.clone();
            async move {
                let mine = Shared::with_handle_or_init(|| opened.open(), |h| h.serial);
                tokio::task::yield_now().await;
                let again = Shared::with_handle_or_init(|| opened.open(), |h| h.serial);
                let child = ctxlocal::spawn({
                    let opened = opened.clone();
                    async move { Shared::with_handle_or_init(|| opened.open(), |h| h.serial) }
                })
                .await
                .unwrap();
                (mine, again, child)
            }
        }),
        in_task({
            let opened = opened.clone();
            async move { Shared::with_handle_or_init(|| opened.open(), |h| h.serial) }
        }),
    );
    assert_eq!(a.0, a.1);
    assert_eq!(a.0, a.2, "the child inherited the parent's value");
    assert_ne!(a.0, b);
    assert_eq!(opened.count(), 2);
}

#[test]
fn init_that_reenters_for_the_same_field_panics_instead_of_running_twice() {
    support::quiet_expected_panics();
    on_plain_thread(|| {
        let opened = Opened::default();
        let reentered = std::panic::catch_unwind(|| {
            Shared::with_handle_or_init(
                || Shared::with_handle_or_init(|| opened.open(), |_| opened.open()),
                |h| h.serial,
            )
        });
        let message = panic_message(&*reentered.unwrap_err());
        assert!(
            message.contains("`Shared::with_handle_or_init` refused"),
            "{message}"
        );
        assert!(message.contains("from inside its own `init`"), "{message}");
        assert_eq!(opened.count(), 0, "init ran again");
        // Nothing was stored, and the next call initialises normally.
        assert!(!Shared::is_handle_set());
        assert_eq!(
            Shared::with_handle_or_init(|| opened.open(), |h| h.serial),
            1
        );
    });
}

#[test]
fn init_may_use_other_fields_and_other_contexts_may_initialise_meanwhile() {
    on_plain_thread(|| {
        let opened = Opened::default();
        let serial = Shared::with_handle_or_init(
            || {
                // Another field, and the same field in another context: not reentrance.
                let limit = Shared::limit();
                let elsewhere = ctxlocal::Context::empty()
                    .run(|| Shared::with_handle_or_init(|| opened.open(), |h| h.serial));
                Handle {
                    serial: elsewhere + limit as usize * 100,
                }
            },
            |h| h.serial,
        );
        assert_eq!(serial, 501);
    });
}

#[test]
fn a_panicking_init_stores_nothing_and_the_next_call_initialises() {
    support::quiet_expected_panics();
    on_plain_thread(|| {
        let failed = std::panic::catch_unwind(|| {
            Shared::with_handle_or_init(|| support::boom(), |h| h.serial)
        });
        assert!(support::is_boom(&*failed.unwrap_err()));
        assert!(!Shared::is_handle_set());
        assert_eq!(
            Shared::with_handle_or_init(|| Handle { serial: 9 }, |h| h.serial),
            9
        );
    });
}

#[test]
fn a_field_with_a_default_is_initialised_when_not_set() {
    on_plain_thread(|| {
        assert_eq!(Shared::limit(), 5);
        assert_eq!(Shared::with_limit_or_init(|| 8, |n| *n), 8);
        assert_eq!(Shared::limit(), 8);
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_plain_tokio_task_the_write_is_refused_naming_the_accessor() {
    support::quiet_expected_panics();
    let refused =
        tokio::spawn(async { Shared::with_handle_or_init(|| Handle { serial: 1 }, |h| h.serial) })
            .await
            .unwrap_err()
            .into_panic();
    let message = panic_message(&*refused);
    assert!(
        message.contains("`Shared::with_handle_or_init` refused"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_critical_connection_is_opened_once_per_sync_thread_and_reused_by_its_calls() {
    let opened = Arc::new(AtomicUsize::new(0));
    let connect = |opened: &Arc<AtomicUsize>| {
        let opened = opened.clone();
        move || {
            PerThread::with_connection_or_init(
                || {
                    (
                        std::thread::current().id(),
                        opened.fetch_add(1, Ordering::SeqCst),
                    )
                },
                |connection| *connection,
            )
        }
    };
    let request = |opened: &Arc<AtomicUsize>| {
        let connect = connect(opened);
        let connect_again = connect.clone();
        in_task(thread_sensitive_context(async move {
            let first = sync_to_async(connect).thread_sensitive().await;
            tokio::task::yield_now().await;
            let second = sync_to_async(connect_again).thread_sensitive().await;
            (first, second)
        }))
    };
    let (a, b) = tokio::join!(request(&opened), request(&opened));
    assert_eq!(a.0, a.1, "one connection for the whole request");
    assert_eq!(b.0, b.1);
    assert_ne!(a.0, b.0);
    assert_eq!(a.0.0, a.1.0);
    assert_eq!(opened.load(Ordering::SeqCst), 2);
    // A task's own namespace on a worker thread: opened there, for the task.
    let in_task_namespace = catch_unwind_future(in_task(async move { connect(&opened)() })).await;
    assert!(in_task_namespace.is_ok());
}
