//! The paths through the runtime's `unsafe` code and its borrowing rules (`shared.rs`,
//! `table.rs`, `state.rs`, `tc.rs`), small enough to run under Miri:
//!
//! ```sh
//! scripts/miri.sh        # cargo +nightly miri test -p ctxlocal-runtime --lib --test borrowing
//! ```
//!
//! Miri checks that no borrow handed to user code is invalidated by a nested write, that no
//! value is freed twice or leaked, and that cross-thread reference counts are race-free. No
//! tokio runtime here: futures are polled by hand, so Miri only sees this crate's code.

use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context as TaskCx, Poll, Waker};

use ctxlocal::{Context, FutureExt, async_local};

/// Counts its drops in the shared counter (clones share it and are counted too).
#[derive(Clone, Debug)]
struct Counted(Arc<AtomicUsize>, u32);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[async_local]
struct Local {
    text: String,
    counted: Counted,
    #[local(no_inherit)]
    private: u32,
}

#[test]
fn a_borrow_survives_writes_takes_and_clears_made_inside_it() {
    Local::set_text("first".into());
    Local::with_text(|outer| {
        let outer = outer.unwrap();
        Local::set_text("second".into());
        Local::with_text(|inner| {
            let inner = inner.unwrap();
            assert_eq!(Local::take_text().as_deref(), Some("second"));
            Local::clear();
            Local::set_text("third".into());
            assert_eq!(inner, "second");
        });
        assert_eq!(outer, "first");
    });
    assert_eq!(Local::text().as_deref(), Some("third"));
}

#[test]
fn update_lends_the_value_and_puts_back_what_it_leaves() {
    Local::set_text("a".into());
    Local::update_text(|text| {
        assert_eq!(Local::text(), None);
        Local::set_text("overwritten".into());
        text.as_mut().unwrap().push('b');
    });
    assert_eq!(Local::text().as_deref(), Some("ab"));
    let panicked = std::panic::catch_unwind(|| {
        Local::update_text(|text| {
            text.as_mut().unwrap().push('c');
            panic!("inside update");
        })
    });
    assert!(panicked.is_err());
    assert_eq!(Local::text().as_deref(), Some("abc"));
}

#[test]
fn values_are_dropped_once_across_snapshots_runs_and_reentrant_drops() {
    let drops = Arc::new(AtomicUsize::new(0));
    // A plain `join` (not `thread::scope`, which returns before thread-local destructors run)
    // waits for the thread's exit, where its root context is dropped.
    let thread_drops = drops.clone();
    std::thread::spawn(move || {
        let drops = thread_drops;
        Local::set_counted(Counted(drops.clone(), 1));
        let snapshot = Context::current();
        Local::set_counted(Counted(drops.clone(), 2));
        assert_eq!(drops.load(Ordering::SeqCst), 0);
        snapshot.run(|| {
            Local::with_counted(|c| {
                assert_eq!(c.unwrap().1, 1);
                Local::set_counted(Counted(drops.clone(), 3));
            });
        });
        // The run's value (3) is gone; the snapshot's (1) and ours (2) are alive.
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        drop(snapshot);
        assert_eq!(drops.load(Ordering::SeqCst), 2);
        assert_eq!(Local::with_counted(|c| c.unwrap().1), 2);
    })
    .join()
    .unwrap();
    // Thread exit dropped the root context's value.
    assert_eq!(drops.load(Ordering::SeqCst), 3);
}

#[test]
fn a_future_polled_on_two_threads_and_dropped_on_a_third_keeps_its_context() {
    Local::set_private(5);
    Local::set_text("parent".into());
    type Task = std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;
    let mut task: Task = Box::pin(
        async {
            assert_eq!(
                (Local::text(), Local::private()),
                (Some("parent".into()), None)
            );
            Local::set_text("task".into());
            std::future::pending::<()>().await;
        }
        .in_current_context(),
    );
    let poll = |task: &mut Task| {
        task.as_mut()
            .poll(&mut TaskCx::from_waker(Waker::noop()))
            .is_pending()
    };
    assert!(poll(&mut task));
    let task = std::thread::spawn(move || {
        assert!(poll(&mut task));
        task
    })
    .join()
    .unwrap();
    std::thread::spawn(move || drop(task)).join().unwrap();
    assert_eq!(Local::text().as_deref(), Some("parent"));
}

#[async_local(thread_critical)]
struct Confined {
    handle: Rc<String>,
}

#[test]
fn thread_critical_values_stay_on_their_thread_and_are_freed_by_it() {
    let mut task = Box::pin(
        std::future::poll_fn(|_| {
            if Confined::with_handle(|h| h.is_none()) {
                Confined::set_handle(Rc::new("mine".into()));
            }
            Poll::<()>::Pending
        })
        .in_current_context(),
    );
    let waker = Waker::noop();
    assert!(
        task.as_mut()
            .poll(&mut TaskCx::from_waker(waker))
            .is_pending()
    );
    assert_eq!(ctxlocal::__private::namespaces_on_this_thread(), 1);
    // Dropped on another thread: this thread frees the value when it next looks.
    std::thread::spawn(move || drop(task)).join().unwrap();
    assert_eq!(ctxlocal::__private::namespaces_on_this_thread(), 0);
    Confined::sync_scope_handle(Rc::new("scoped".into()), || {
        assert_eq!(Confined::with_handle(|h| h.map(|h| h.len())), Some(6));
    });
    assert!(!Confined::with_handle(|h| h.is_some()));
}

#[test]
fn a_scoped_future_dropped_unfinished_restores_nothing_it_should_not() {
    Local::set_text("outside".into());
    {
        let mut future = pin!(Local::scope_text("inside".into(), async {
            assert_eq!(Local::text().as_deref(), Some("inside"));
            std::future::pending::<()>().await;
        }));
        let _ = future.as_mut().poll(&mut TaskCx::from_waker(Waker::noop()));
        assert_eq!(Local::text().as_deref(), Some("outside"));
    }
    assert_eq!(Local::text().as_deref(), Some("outside"));
}
