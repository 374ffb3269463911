//! `examples/impersonate_user.rs`: a scoped override of the current user is seen by everything
//! inside it (nested calls, spawned tasks, blocking calls) and by nothing outside it, and the
//! real user is back afterwards: on return, on panic, and when the future is dropped unfinished.
#![cfg(feature = "tokio")]

#[path = "../../examples/impersonate_user.rs"]
#[allow(dead_code)]
mod impersonate_user;

use std::panic::{AssertUnwindSafe, catch_unwind};

use impersonate_user::{
    Auth, NotAllowed, User, impersonate, impersonate_async, login, run_demo, whoami,
};

fn alice() -> User {
    User::new("alice", true)
}
fn bob() -> User {
    User::new("bob", false)
}
fn carol() -> User {
    User::new("carol", false)
}

#[test]
fn the_demo_transcript() {
    assert_eq!(
        run_demo(),
        [
            "before login: anonymous",
            "logged in: alice",
            "impersonating bob: bob (impersonated by alice)",
            "afterwards: alice",
            "nested, inner: carol (impersonated by alice)",
            "nested, back in the outer: bob (impersonated by alice)",
            "afterwards: alice",
            "a panic while impersonating bob: caught",
            "afterwards: alice",
            "async, as bob: a spawned task: bob (impersonated by alice); \
             a blocking call: bob (impersonated by alice)",
            "afterwards: alice",
            "a future acting as carol, suspended: it sees carol (impersonated by alice), \
             the caller sees alice",
            "after it was dropped: alice",
            "logged in as bob, impersonating alice: refused (bob may not impersonate other users)",
        ]
    );
}

#[test]
fn writes_inside_the_block_are_undone_and_a_panic_restores_the_user() {
    login(alice());
    impersonate(bob(), || {
        // Even a login inside the block only lasts for the block.
        login(carol());
        assert_eq!(whoami(), "carol");
    })
    .unwrap();
    assert_eq!(whoami(), "alice");

    let panicked = catch_unwind(AssertUnwindSafe(|| {
        impersonate(bob(), || -> () { panic!("boom") })
    }));
    assert_eq!(panicked.unwrap_err().downcast_ref::<&str>(), Some(&"boom"));
    assert_eq!(whoami(), "alice");
    assert_eq!(Auth::real_user(), None);
}

#[test]
fn a_panicking_async_impersonation_leaves_the_caller_alone() {
    login(alice());
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        // `async_to_sync` writes back what the future changed, then resumes its panic: the
        // impersonation ran in a child context, so nothing comes back.
        ctxlocal::async_to_sync(impersonate_async(bob(), async {
            login(carol());
            tokio::task::yield_now().await;
            panic!("boom")
        }))
    }));
    assert!(panicked.is_err());
    assert_eq!(whoami(), "alice");
}

#[tokio::test(flavor = "current_thread")]
async fn a_future_dropped_unfinished_never_changed_the_caller() {
    login(alice());
    let polled = std::cell::Cell::new(false);
    {
        let mut suspended = std::pin::pin!(impersonate_async(bob(), async {
            assert_eq!(whoami(), "bob (impersonated by alice)");
            polled.set(true);
            std::future::pending::<()>().await;
        }));
        tokio::select! {
            biased;
            _ = &mut suspended => unreachable!(),
            () = std::future::ready(()) => {}
        }
        assert!(polled.get());
        assert_eq!(whoami(), "alice");
    }
    assert_eq!(whoami(), "alice");
}

#[test]
fn only_admins_may_impersonate_also_when_nested() {
    login(bob());
    assert_eq!(
        impersonate(alice(), whoami),
        Err(NotAllowed { by: "bob".into() })
    );
    assert_eq!(whoami(), "bob");

    // Nested: the check is made against the real user, not the impersonated one.
    login(alice());
    let inner = impersonate(bob(), || impersonate(carol(), whoami)).unwrap();
    assert_eq!(inner.as_deref(), Ok("carol (impersonated by alice)"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_never_see_each_others_impersonation() {
    let handles: Vec<_> = (0..200)
        .map(|n| {
            ctxlocal::spawn(async move {
                login(User::new(&format!("admin-{n}"), true));
                let target = User::new(&format!("target-{n}"), false);
                let inside = if n % 2 == 0 {
                    impersonate_async(target, async {
                        tokio::task::yield_now().await;
                        ctxlocal::sync_to_async(whoami).await
                    })
                    .await
                    .unwrap()
                } else {
                    tokio::task::yield_now().await;
                    whoami()
                };
                (n, inside, whoami())
            })
        })
        .collect();
    for handle in handles {
        let (n, inside, after) = handle.await.unwrap();
        if n % 2 == 0 {
            assert_eq!(inside, format!("target-{n} (impersonated by admin-{n})"));
        } else {
            assert_eq!(inside, format!("admin-{n}"));
        }
        assert_eq!(after, format!("admin-{n}"));
    }
}
