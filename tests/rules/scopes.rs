//! Rule D13: scoped overrides (`scope`, `sync_scope`, `scope_<field>`, `sync_scope_<field>`)
//! restore the previous state on completion, on panic, and when the future is dropped
//! unfinished.

use crate::support;

use std::future::Future;
use std::pin::pin;
use std::task::{Context as TaskCx, Waker};

use ctxlocal::async_local;
use support::{catch_unwind_future, panic_message};

#[async_local]
#[derive(Debug, Clone, PartialEq)]
struct Local {
    user: String,
    id: u64,
}

#[test]
fn sync_scope_field_overrides_then_restores() {
    Local::set_user("alice".into());
    let inside = Local::sync_scope_user("root".into(), || {
        let inside = Local::user();
        Local::set_id(1); // a write inside the scope stays inside it
        inside
    });
    assert_eq!(inside.as_deref(), Some("root"));
    assert_eq!(Local::user().as_deref(), Some("alice"));
    assert_eq!(Local::id(), None);
}

#[test]
fn sync_scope_field_restores_after_a_panic() {
    Local::set_user("alice".into());
    let result = std::panic::catch_unwind(|| {
        Local::sync_scope_user("root".into(), || panic!("inside the override"))
    });
    assert!(result.is_err());
    assert_eq!(Local::user().as_deref(), Some("alice"));
}

#[test]
fn struct_sync_scope_sets_every_field_then_restores() {
    Local::set_user("alice".into());
    let inside = Local {
        user: "bob".into(),
        id: 2,
    }
    .sync_scope(|| (Local::user(), Local::id()));
    assert_eq!(inside, (Some("bob".into()), Some(2)));
    assert_eq!((Local::user(), Local::id()), (Some("alice".into()), None));
}

#[test]
fn struct_set_sets_every_field_in_the_current_context() {
    Local {
        user: "carol".into(),
        id: 3,
    }
    .set();
    assert_eq!(
        (Local::user(), Local::id()),
        (Some("carol".into()), Some(3))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scope_field_overrides_for_the_future_only() {
    Local::set_user("alice".into());
    let inside = Local::scope_user("root".into(), async {
        tokio::task::yield_now().await;
        let seen = Local::user();
        Local::set_user("changed inside".into());
        tokio::task::yield_now().await;
        (seen, Local::user())
    })
    .await;
    assert_eq!(inside.0.as_deref(), Some("root"));
    assert_eq!(inside.1.as_deref(), Some("changed inside"));
    assert_eq!(Local::user().as_deref(), Some("alice"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn struct_scope_runs_a_future_with_every_field_set() {
    let seen = Local {
        user: "dave".into(),
        id: 4,
    }
    .scope(async { (Local::user(), Local::id()) })
    .await;
    assert_eq!(seen, (Some("dave".into()), Some(4)));
    assert_eq!(Local::user(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scope_restores_after_the_future_panics() {
    Local::set_user("alice".into());
    let task = ctxlocal::spawn(async {
        Local::set_user("task".into());
        let panicked = Local::scope_user("root".into(), async {
            tokio::task::yield_now().await;
            panic!("inside the scoped future");
        });
        let payload = catch_unwind_future(panicked).await.unwrap_err();
        assert_eq!(panic_message(&*payload), "inside the scoped future");
        Local::user()
    });
    assert_eq!(task.await.unwrap().as_deref(), Some("task"));
    assert_eq!(Local::user().as_deref(), Some("alice"));
}

#[test]
fn scope_dropped_unfinished_leaves_the_callers_context_unchanged() {
    Local::set_user("alice".into());
    let (tx, rx) = std::sync::mpsc::channel();
    {
        let mut future = pin!(Local::scope_user("root".into(), async move {
            tx.send(Local::user()).unwrap();
            std::future::pending::<()>().await;
        }));
        let mut cx = TaskCx::from_waker(Waker::noop());
        assert!(future.as_mut().poll(&mut cx).is_pending());
        // Between polls the caller's context is the current one again.
        assert_eq!(Local::user().as_deref(), Some("alice"));
    }
    assert_eq!(rx.recv().unwrap().as_deref(), Some("root"));
    assert_eq!(Local::user().as_deref(), Some("alice"));
}

#[test]
fn scoped_future_is_dropped_inside_its_context() {
    struct ReportOnDrop(std::sync::mpsc::Sender<Option<String>>);
    impl Drop for ReportOnDrop {
        fn drop(&mut self) {
            self.0.send(Local::user()).unwrap();
        }
    }
    let (tx, rx) = std::sync::mpsc::channel();
    Local::set_user("outside".into());
    {
        let guard = ReportOnDrop(tx);
        let mut future = pin!(Local::scope_user("inside".into(), async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        }));
        let mut cx = TaskCx::from_waker(Waker::noop());
        assert!(future.as_mut().poll(&mut cx).is_pending());
    }
    assert_eq!(rx.recv().unwrap().as_deref(), Some("inside"));
}

// `sync_scope_<field>` swaps the value in place where it can (no reader, the table and the
// struct's values not shared) and puts it back afterwards; these check that nothing of that
// shows: not to snapshots, not to readers, not to bridges' write-back.

#[test]
fn a_snapshot_taken_inside_sync_scope_keeps_the_override_after_the_scope_ends() {
    Local::set_user("alice".into());
    Local::set_id(1);
    let inside = Local::sync_scope_user("bob".into(), ctxlocal::Context::current);
    assert_eq!(Local::user().as_deref(), Some("alice"));
    assert_eq!(inside.run(Local::user).as_deref(), Some("bob"));
    assert_eq!(inside.run(Local::id), Some(1));
    // And the caller can go on writing without touching the snapshot.
    Local::set_user("carol".into());
    assert_eq!(inside.run(Local::user).as_deref(), Some("bob"));
}

#[test]
fn a_snapshot_taken_before_sync_scope_never_sees_the_override() {
    Local::set_user("alice".into());
    let before = ctxlocal::Context::current();
    let seen_by_before = Local::sync_scope_user("bob".into(), || before.run(Local::user));
    assert_eq!(seen_by_before.as_deref(), Some("alice"));
    assert_eq!(Local::user().as_deref(), Some("alice"));
}

#[test]
fn sync_scope_of_an_unset_field_leaves_it_unset() {
    Local::set_id(3);
    let inside = Local::sync_scope_user("bob".into(), || (Local::user(), Local::id()));
    assert_eq!(inside, (Some("bob".to_owned()), Some(3)));
    assert_eq!(Local::user(), None);
    assert!(!Local::is_user_set());
    assert_eq!(Local::id(), Some(3));
}

#[test]
fn nested_sync_scopes_of_one_field_restore_each_level() {
    Local::set_user("a".into());
    let seen = Local::sync_scope_user("b".into(), || {
        let inner = Local::sync_scope_user("c".into(), Local::user);
        (inner, Local::user())
    });
    assert_eq!(seen, (Some("c".to_owned()), Some("b".to_owned())));
    assert_eq!(Local::user().as_deref(), Some("a"));
}

#[test]
fn sync_scope_inside_a_borrow_of_the_same_field_leaves_the_borrowed_value_alone() {
    Local::set_user("alice".into());
    Local::with_user(|borrowed| {
        let inside = Local::sync_scope_user("bob".into(), Local::user);
        assert_eq!(inside.as_deref(), Some("bob"));
        assert_eq!(borrowed.map(String::as_str), Some("alice"));
    });
    assert_eq!(Local::user().as_deref(), Some("alice"));
}

#[test]
fn a_panic_inside_sync_scope_after_a_snapshot_still_restores_the_callers_value() {
    Local::set_user("alice".into());
    let kept = std::sync::Mutex::new(None);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Local::sync_scope_user("bob".into(), || {
            *kept.lock().unwrap() = Some(ctxlocal::Context::current());
            panic!("inside the override")
        })
    }));
    assert!(result.is_err());
    assert_eq!(Local::user().as_deref(), Some("alice"));
    let kept = kept.into_inner().unwrap().unwrap();
    assert_eq!(kept.run(Local::user).as_deref(), Some("bob"));
}

#[tokio::test]
async fn sync_scope_inside_a_bridge_is_not_written_back_over_the_callers_writes() {
    let outer = ctxlocal::Context::empty().with(Local {
        user: "alice".into(),
        id: 1,
    });
    let (gate_tx, gate_rx) = std::sync::mpsc::channel::<()>();
    let user = outer
        .scope(async move {
            let bridge = ctxlocal::sync_to_async(move || {
                gate_rx.recv().unwrap();
                Local::sync_scope_user("bob".into(), Local::user)
            });
            let caller = async {
                // Written while the bridge runs: the bridge changed nothing of `Local` (its
                // override ended inside it), so this write must survive its write-back.
                Local::set_user("carol".into());
                gate_tx.send(()).unwrap();
            };
            let (inside, ()) = tokio::join!(bridge, caller);
            assert_eq!(inside.as_deref(), Some("bob"));
            Local::user()
        })
        .await;
    assert_eq!(user.as_deref(), Some("carol"));
}

#[test]
fn sync_scope_in_a_context_others_share_changes_none_of_them() {
    let ctx = ctxlocal::Context::empty().with(Local {
        user: "alice".into(),
        id: 1,
    });
    let kept = ctx.clone();
    ctx.run(|| {
        // Inside `run` the table is shared with `ctx` and `kept`: the override copies it first.
        let (inside, seen_by_kept) =
            Local::sync_scope_user("bob".into(), || (Local::user(), kept.run(Local::user)));
        assert_eq!(inside.as_deref(), Some("bob"));
        assert_eq!(seen_by_kept.as_deref(), Some("alice"));
        assert_eq!(Local::user().as_deref(), Some("alice"));
        // A second override finds the copy private.
        let again = Local::sync_scope_user("carol".into(), Local::user);
        assert_eq!(again.as_deref(), Some("carol"));
        assert_eq!(Local::user().as_deref(), Some("alice"));
    });
    assert_eq!(ctx.run(Local::user).as_deref(), Some("alice"));
    assert_eq!(
        kept.run(|| (Local::user(), Local::id())),
        (Some("alice".to_owned()), Some(1))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_scope_in_a_just_spawned_task_leaves_its_parent_alone() {
    let parent = ctxlocal::Context::empty().with(Local {
        user: "parent".into(),
        id: 1,
    });
    let (in_child, parent_during) = parent
        .scope(async {
            let child = ctxlocal::spawn(async {
                // The child's context is still the parent's snapshot here.
                Local::sync_scope_user("child".into(), Local::user)
            });
            let in_child = child.await.unwrap();
            (in_child, Local::user())
        })
        .await;
    assert_eq!(in_child.as_deref(), Some("child"));
    assert_eq!(parent_during.as_deref(), Some("parent"));
    assert_eq!(parent.run(Local::user).as_deref(), Some("parent"));
}
