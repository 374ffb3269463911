//! Panics (RELIABILITY.md, guarantee P1): a panic in any user closure (`with_*`, `update_*`,
//! `sync_scope*`, `ctx.run`, a `sync_to_async` closure, an `async_to_sync` future, a scoped
//! future, a task), or in a value's `Drop` or `Clone`, leaves every context as the rules say,
//! drops every value exactly once, and leaves the thread able to read and write afterwards:
//!
//! - `with_x(f)`: `f` runs in the current context, so writes made before the panic stay;
//! - `update_x(f)`: the value as `f` left it is stored (writes to `x` inside `f` are not);
//! - scopes (`sync_scope_x`, `value.sync_scope`, `ctx.run`, `scope_x`, `value.scope`,
//!   `ctx.scope`) and tasks: everything written inside is discarded;
//! - bridges: the bridged code's writes flow back first, then the panic resumes in the caller.

use crate::support;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ctxlocal::{Context, async_local};
use support::{
    Counted, Counters, boom, catch_unwind_future, is_boom, on_fresh_thread, panic_message,
    quiet_expected_panics,
};

#[async_local]
struct Local {
    x: Counted,
    y: Counted,
    #[local(default = 7)]
    w: u64,
}

fn id_x() -> Option<u64> {
    Local::with_x(|v| v.map(|c| c.id))
}

fn id_y() -> Option<u64> {
    Local::with_y(|v| v.map(|c| c.id))
}

/// Runs `f` on a fresh thread (a fresh root context), then checks every value it created was
/// dropped by the time the thread is gone.
fn on_a_thread(f: impl FnOnce(&Arc<Counters>) + Send + 'static) {
    quiet_expected_panics();
    let counters = on_fresh_thread(f);
    assert_eq!(
        counters.created(),
        counters.dropped(),
        "values leaked or dropped twice"
    );
}

/// Asserts that `f` panicked with `Boom`.
fn assert_boom(result: std::thread::Result<impl Sized>) {
    match result {
        Ok(_) => panic!("expected a panic"),
        Err(payload) => assert!(is_boom(&*payload), "{}", panic_message(&*payload)),
    }
}

/// After a panic the thread still reads and writes normally.
fn still_usable(counters: &Arc<Counters>) {
    let before = Local::replace_w(1);
    Local::set_y(counters.make(99));
    assert_eq!(id_y(), Some(99));
    Local::with_y(|y| {
        Local::set_y(counters.make(98));
        assert_eq!(y.unwrap().id, 99);
    });
    assert_eq!(id_y(), Some(98));
    Local::take_y();
    match before {
        Some(w) => Local::set_w(w),
        None => drop(Local::take_w()),
    }
}

#[test]
fn a_panic_in_with_keeps_the_writes_made_before_it() {
    on_a_thread(|counters| {
        Local::set_x(counters.make(1));
        let dropped_before = counters.dropped();
        assert_boom(catch_unwind(AssertUnwindSafe(|| {
            Local::with_x(|x| {
                Local::set_y(counters.make(2));
                Local::set_x(counters.make(3));
                // The borrow is unchanged; the displaced value is kept alive for it.
                assert_eq!(x.unwrap().id, 1);
                boom()
            })
        })));
        assert_eq!((id_x(), id_y()), (Some(3), Some(2)));
        // The value displaced while borrowed was dropped when the borrow ended (by the panic).
        assert_eq!(counters.dropped(), dropped_before + 1);
        assert_boom(catch_unwind(|| {
            Local::with_w(|w| {
                assert_eq!(*w, 7);
                Local::set_w(8);
                boom()
            })
        }));
        assert_eq!(Local::w(), 8);
        still_usable(counters);
        Local::clear();
    });
}

#[test]
fn a_panic_in_update_stores_what_the_closure_left() {
    on_a_thread(|counters| {
        Local::set_x(counters.make(1));
        assert_boom(catch_unwind(AssertUnwindSafe(|| {
            Local::update_x(|x| {
                x.as_mut().unwrap().id = 5;
                // Overwritten by what the closure leaves, also on a panic.
                Local::set_x(counters.make(9));
                // Other fields keep their writes.
                Local::set_y(counters.make(6));
                boom()
            })
        })));
        assert_eq!((id_x(), id_y()), (Some(5), Some(6)));
        // An unset field: the closure's value is stored.
        Local::take_y();
        assert_boom(catch_unwind(AssertUnwindSafe(|| {
            Local::update_y(|y| {
                assert!(y.is_none());
                *y = Some(counters.make(4));
                boom()
            })
        })));
        assert_eq!(id_y(), Some(4));
        // A field with a default.
        assert_boom(catch_unwind(|| {
            Local::update_w(|w| {
                *w += 1;
                boom()
            })
        }));
        assert_eq!((Local::w(), Local::is_w_set()), (8, true));
        // Nested: the inner update panics and is caught inside the outer one.
        Local::update_x(|x| {
            x.as_mut().unwrap().id = 10;
            assert_boom(catch_unwind(AssertUnwindSafe(|| {
                Local::update_y(|y| {
                    y.as_mut().unwrap().id = 11;
                    boom()
                })
            })));
            assert_eq!(id_y(), Some(11));
        });
        assert_eq!((id_x(), id_y()), (Some(10), Some(11)));
        still_usable(counters);
        Local::clear();
    });
}

/// Runs a closure in some kind of scope.
type Scope<'a> = dyn Fn(&dyn Fn()) + 'a;

#[test]
fn a_panic_in_a_sync_scope_or_ctx_run_restores_the_callers_context() {
    on_a_thread(|counters| {
        Local::set_x(counters.make(1));
        let ctx = Context::current();
        let scopes: [&Scope; 3] = [
            &|f| Local::sync_scope_x(counters.make(50), f),
            &|f| {
                Local {
                    x: counters.make(60),
                    y: counters.make(61),
                    w: 62,
                }
                .sync_scope(f)
            },
            &|f| ctx.run(f),
        ];
        for scope in scopes {
            let live_before = counters.created() - counters.dropped();
            assert_boom(catch_unwind(AssertUnwindSafe(|| {
                scope(&|| {
                    Local::set_x(counters.make(2));
                    Local::set_y(counters.make(3));
                    Local::set_w(4);
                    boom()
                })
            })));
            assert_eq!((id_x(), id_y(), Local::w()), (Some(1), None, 7));
            // Everything the scope made is gone.
            assert_eq!(counters.created() - counters.dropped(), live_before);
        }
        drop(ctx);
        still_usable(counters);
        Local::clear();
    });
}

#[test]
fn a_panic_in_an_async_to_sync_future_writes_back_then_resumes() {
    on_a_thread(|counters| {
        Local::set_x(counters.make(1));
        assert_boom(catch_unwind(AssertUnwindSafe(|| {
            ctxlocal::async_to_sync(async {
                Local::set_x(counters.make(2));
                tokio::task::yield_now().await;
                Local::set_y(counters.make(3));
                boom()
            })
        })));
        assert_eq!((id_x(), id_y()), (Some(2), Some(3)));
        still_usable(counters);
        Local::clear();
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_a_sync_to_async_closure_writes_back_then_resumes_in_the_caller() {
    quiet_expected_panics();
    let counters = Counters::new();
    let c = counters.clone();
    ctxlocal::spawn(async move {
        Local::set_x(c.make(1));
        let c2 = c.clone();
        let result = catch_unwind_future(ctxlocal::sync_to_async(move || {
            Local::set_x(c2.make(2));
            Local::take_w();
            boom()
        }))
        .await;
        assert_boom(result);
        assert_eq!(id_x(), Some(2));
        // Nested: a panic two bridges down reaches the top, with every layer's writes.
        let c3 = c.clone();
        let result = catch_unwind_future(ctxlocal::sync_to_async(move || {
            Local::set_y(c3.make(3));
            ctxlocal::async_to_sync(async move {
                Local::set_w(4);
                ctxlocal::sync_to_async(|| boom()).await
            })
        }))
        .await;
        assert_boom(result);
        assert_eq!((id_y(), Local::w()), (Some(3), 4));
        Local::clear();
    })
    .await
    .unwrap();
    assert_eq!(counters.created(), counters.dropped());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_a_scoped_future_restores_the_caller() {
    quiet_expected_panics();
    let counters = Counters::new();
    let c = counters.clone();
    ctxlocal::spawn(async move {
        Local::set_x(c.make(1));
        for kind in 0..3 {
            let body = async {
                Local::set_x(c.make(2));
                tokio::task::yield_now().await;
                Local::set_y(c.make(3));
                boom()
            };
            let result = match kind {
                0 => catch_unwind_future(Local::scope_x(c.make(10), body)).await,
                1 => {
                    let values = Local {
                        x: c.make(20),
                        y: c.make(21),
                        w: 22,
                    };
                    catch_unwind_future(values.scope(body)).await
                }
                _ => catch_unwind_future(Context::current().scope(body)).await,
            };
            assert_boom(result);
            assert_eq!(
                (id_x(), id_y(), Local::w()),
                (Some(1), None, 7),
                "kind {kind}"
            );
        }
        Local::clear();
    })
    .await
    .unwrap();
    assert_eq!(counters.created(), counters.dropped());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_task_leaves_its_parent_unchanged_and_drops_its_values() {
    quiet_expected_panics();
    let counters = Counters::new();
    let c = counters.clone();
    ctxlocal::spawn(async move {
        Local::set_x(c.make(1));
        let c2 = c.clone();
        let child = ctxlocal::spawn(async move {
            Local::set_x(c2.make(2));
            Local::set_y(c2.make(3));
            tokio::task::yield_now().await;
            boom()
        });
        assert_boom(Err::<(), _>(child.await.unwrap_err().into_panic()));
        assert_eq!((id_x(), id_y()), (Some(1), None));
        Local::clear();
    })
    .await
    .unwrap();
    assert_eq!(counters.created(), counters.dropped());
}

/// A value whose `Drop` panics once armed.
struct PanicOnDrop(Arc<AtomicBool>);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if self.0.swap(false, Ordering::SeqCst) {
            boom()
        }
    }
}

#[async_local]
struct Armed {
    guard: PanicOnDrop,
    n: u64,
}

#[test]
fn a_panic_in_the_drop_of_a_displaced_value_happens_after_the_write() {
    on_a_thread(|counters| {
        let armed = Arc::new(AtomicBool::new(false));
        Armed::set_guard(PanicOnDrop(armed.clone()));
        Armed::set_n(1);
        armed.store(true, Ordering::SeqCst);
        // The old guard's Drop panics, but only after the new value is in place: the context
        // is consistent and usable.
        assert_boom(catch_unwind(|| {
            Armed::set_guard(PanicOnDrop(Arc::new(AtomicBool::new(false))))
        }));
        assert!(Armed::is_guard_set());
        assert_eq!(Armed::n(), Some(1));
        Armed::set_n(2);
        // The same from a take and a clear.
        Armed::set_guard(PanicOnDrop(armed.clone()));
        armed.store(true, Ordering::SeqCst);
        assert_boom(catch_unwind(Armed::clear));
        assert!(!Armed::is_guard_set());
        assert_eq!(Armed::n(), None);
        still_usable(counters);
    });
}

/// A value whose `Clone` panics once armed.
#[derive(Debug)]
struct Fragile {
    id: u64,
    armed: Arc<AtomicBool>,
}

impl Clone for Fragile {
    fn clone(&self) -> Self {
        if self.armed.swap(false, Ordering::SeqCst) {
            boom()
        }
        Fragile {
            id: self.id,
            armed: self.armed.clone(),
        }
    }
}

impl Default for Fragile {
    fn default() -> Self {
        Fragile {
            id: 0,
            armed: Arc::new(AtomicBool::new(false)),
        }
    }
}

#[async_local]
struct Brittle {
    plain: Fragile,
    #[local(default)]
    defaulted: Fragile,
}

#[test]
fn a_panic_in_clone_during_update_of_a_field_with_a_default_keeps_the_value() {
    on_a_thread(|_| {
        let armed = Arc::new(AtomicBool::new(false));
        Brittle::set_defaulted(Fragile {
            id: 1,
            armed: armed.clone(),
        });
        // A snapshot shares the value, so the update must clone it; the clone panics.
        let snapshot = Context::current();
        armed.store(true, Ordering::SeqCst);
        let mut ran = false;
        assert_boom(catch_unwind(AssertUnwindSafe(|| {
            Brittle::update_defaulted(|v| {
                ran = true;
                v.id = 2;
            })
        })));
        assert!(!ran);
        assert_eq!(Brittle::with_defaulted(|v| v.id), 1);
        assert_eq!(snapshot.run(|| Brittle::with_defaulted(|v| v.id)), 1);
    });
}

#[test]
fn a_panic_in_clone_during_update_keeps_the_value() {
    on_a_thread(|_| {
        let armed = Arc::new(AtomicBool::new(false));
        Brittle::set_plain(Fragile {
            id: 1,
            armed: armed.clone(),
        });
        let snapshot = Context::current();
        armed.store(true, Ordering::SeqCst);
        let mut ran = false;
        assert_boom(catch_unwind(AssertUnwindSafe(|| {
            Brittle::update_plain(|v| {
                ran = true;
                v.as_mut().unwrap().id = 2;
            })
        })));
        assert!(!ran);
        assert_eq!(
            snapshot.run(|| Brittle::with_plain(|v| v.map(|v| v.id))),
            Some(1)
        );
        // The closure never ran, so nothing should have changed here either.
        assert_eq!(
            Brittle::with_plain(|v| v.map(|v| v.id)),
            Some(1),
            "the value was lost"
        );
    });
}
