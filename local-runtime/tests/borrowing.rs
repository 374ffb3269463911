//! The paths through the runtime's `unsafe` code and its borrowing rules (`cow_arc.rs`,
//! `table/`, `thread_state/`, `thread_critical.rs`), small enough to run under Miri:
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

use ctxlocal::{Context, ContextExt, async_local};

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

/// Live `Counted` values: made minus dropped.
fn live(made: u32, drops: &AtomicUsize) -> usize {
    made as usize - drops.load(Ordering::SeqCst)
}

#[test]
fn writes_inside_a_long_borrow_keep_memory_bounded() {
    let drops = Arc::new(AtomicUsize::new(0));
    Local::set_counted(Counted(drops.clone(), 0));
    Local::with_counted(|outer| {
        let outer = outer.unwrap();
        for n in 1..=200 {
            Local::set_counted(Counted(drops.clone(), n));
            Local::set_text(n.to_string());
        }
        // The borrowed value, plus the current one; nothing per write.
        assert!(live(201, &drops) <= 2, "{} live", live(201, &drops));
        assert_eq!(outer.1, 0);
    });
    assert_eq!(live(201, &drops), 1);
    assert_eq!(Local::with_counted(|c| c.unwrap().1), 200);
}

#[test]
fn nested_borrows_of_values_written_inside_an_outer_borrow_stay_valid() {
    Local::set_text("a".into());
    Local::with_text(|a| {
        Local::set_text("b".into());
        Local::with_text(|b| {
            Local::set_text("c".into());
            Local::with_text(|c| {
                Local::set_text("d".into());
                Local::clear();
                Local::set_text("e".into());
                assert_eq!(c.map(String::as_str), Some("c"));
            });
            Local::set_text("f".into());
            assert_eq!(b.map(String::as_str), Some("b"));
        });
        // Reading again after the nested borrows ended, then writing under the new borrow.
        Local::with_text(|f| {
            Local::set_text("g".into());
            assert_eq!(f.map(String::as_str), Some("f"));
        });
        assert_eq!(a.map(String::as_str), Some("a"));
    });
    assert_eq!(Local::text().as_deref(), Some("g"));
}

#[test]
fn a_borrow_survives_writes_made_in_a_context_run_inside_it() {
    Local::set_text("root".into());
    let ctx = Context::current();
    Local::with_text(|root| {
        ctx.run(|| {
            Local::with_text(|inner| {
                Local::set_text("run".into());
                assert_eq!(inner.map(String::as_str), Some("root"));
            });
            Local::set_text("run again".into());
        });
        // Back in the root context, still borrowed: the write must copy, not overwrite.
        Local::set_text("root 2".into());
        Local::with_text(|now| assert_eq!(now.map(String::as_str), Some("root 2")));
        assert_eq!(root.map(String::as_str), Some("root"));
    });
}

#[test]
fn a_borrow_survives_writes_made_by_a_future_polled_inside_it() {
    Local::set_text("outer".into());
    Local::with_text(|outer| {
        let mut task = pin!(
            async {
                Local::with_text(|inherited| {
                    Local::set_text("task".into());
                    assert_eq!(inherited.map(String::as_str), Some("outer"));
                });
                Local::set_text("task 2".into());
            }
            .in_current_context()
        );
        assert!(
            task.as_mut()
                .poll(&mut TaskCx::from_waker(Waker::noop()))
                .is_ready()
        );
        Local::set_text("outer 2".into());
        assert_eq!(outer.map(String::as_str), Some("outer"));
    });
    assert_eq!(Local::text().as_deref(), Some("outer 2"));
}

#[test]
fn a_thread_critical_borrow_survives_writes_inside_it() {
    std::thread::spawn(|| {
        Confined::set_handle(Rc::new("first".into()));
        Confined::with_handle(|first| {
            for n in 0..50 {
                Confined::set_handle(Rc::new(n.to_string()));
            }
            // A default-mode scope keeps the thread-critical namespace: still borrowed.
            Local::sync_scope_text("scoped".into(), || {
                Confined::set_handle(Rc::new("in scope".into()));
            });
            assert_eq!(first.map(|h| h.as_str()), Some("first"));
        });
        assert_eq!(
            Confined::with_handle(|h| h.unwrap().to_string()),
            "in scope"
        );
    })
    .join()
    .unwrap();
}

#[test]
fn a_panicking_drop_of_a_value_released_during_an_unwind_does_not_abort() {
    static BOMBS_DROPPED: AtomicUsize = AtomicUsize::new(0);
    /// `Bomb`'s drop panics, unconditionally: during an unwind that would abort the process.
    #[derive(Debug)]
    enum Payload {
        Quiet,
        Bomb,
    }
    impl Drop for Payload {
        fn drop(&mut self) {
            if matches!(self, Payload::Bomb) {
                BOMBS_DROPPED.fetch_add(1, Ordering::SeqCst);
                panic!("drop of a bomb");
            }
        }
    }
    #[async_local]
    struct Held {
        payload: Payload,
    }
    std::thread::spawn(|| {
        Held::set_payload(Payload::Bomb);
        // The write inside the borrow keeps the bomb's table parked; the closure then panics,
        // and the bomb is released while that panic unwinds.
        let panic = std::panic::catch_unwind(|| {
            Held::with_payload(|_| {
                Held::set_payload(Payload::Quiet);
                panic!("inside the borrow");
            })
        })
        .unwrap_err();
        // The closure's panic is the one that arrives; the bomb was dropped (once) on the way,
        // its own panic reported by the hook and caught, not turned into an abort.
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"inside the borrow"));
        assert_eq!(BOMBS_DROPPED.load(Ordering::SeqCst), 1);
        assert!(Held::with_payload(|p| matches!(p, Some(Payload::Quiet))));
    })
    .join()
    .unwrap();
}

#[test]
fn a_scoped_override_made_in_place_restores_the_value_and_drops_each_value_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    Local::set_text("caller".into());
    Local::set_counted(Counted(drops.clone(), 1));
    // In place: nothing shares the table; the override's value is dropped when it ends.
    let seen = Local::sync_scope_counted(Counted(drops.clone(), 2), || {
        // A write inside copies the table: the caller's stays as it was.
        Local::set_text("inside".into());
        Local::with_counted(|counted| counted.unwrap().1)
    });
    assert_eq!(seen, 2);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert_eq!(Local::text().as_deref(), Some("caller"));
    // A snapshot taken inside keeps the override; the caller's value is put back in a copy.
    let kept = Local::sync_scope_counted(Counted(drops.clone(), 3), Context::current);
    assert_eq!(Local::with_counted(|counted| counted.unwrap().1), 1);
    assert_eq!(
        kept.run(|| Local::with_counted(|counted| counted.unwrap().1)),
        3
    );
    drop(kept);
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    // Inside a borrow of the same field, the override is a copy: the borrow stays valid.
    Local::with_counted(|outer| {
        let outer = outer.unwrap();
        Local::sync_scope_counted(Counted(drops.clone(), 4), || {
            assert_eq!(Local::with_counted(|counted| counted.unwrap().1), 4);
        });
        assert_eq!(outer.1, 1);
    });
    // A panic inside: the value is put back while it unwinds.
    let result = std::panic::catch_unwind(|| {
        Local::sync_scope_counted(Counted(drops.clone(), 5), || panic!("inside the override"))
    });
    assert!(result.is_err());
    assert_eq!(Local::with_counted(|counted| counted.unwrap().1), 1);
    assert_eq!(drops.load(Ordering::SeqCst), 4);
    // In a context a snapshot shares: the table and values are copied first, the snapshot's
    // cell is put back afterwards.
    let shared = Context::current();
    let seen = Local::sync_scope_counted(Counted(drops.clone(), 6), || {
        Local::with_counted(|counted| counted.unwrap().1)
    });
    assert_eq!(seen, 6);
    assert_eq!(drops.load(Ordering::SeqCst), 5);
    assert_eq!(
        shared.run(|| Local::with_counted(|counted| counted.unwrap().1)),
        1
    );
    drop(shared);
    Local::clear();
    assert_eq!(drops.load(Ordering::SeqCst), 6);
}
