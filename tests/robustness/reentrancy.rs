//! Reentrancy (RELIABILITY.md, guarantee R1): any accessor, of the same field, another field or
//! another struct, may be called from inside `with_*` and `update_*` closures (and from a
//! value's `Drop`). None of them panics or deadlocks. What they see:
//!
//! - inside `with_x(f)`: the context as usual. `f`'s borrow stays valid and never changes; a
//!   write to `x` inside `f` goes to a copy, which later reads (inside `f` and after it) see.
//! - inside `update_x(f)`: `x` reads as unset (`None`, or its default and `is_x_set()` false),
//!   including in snapshots taken there (`Context::current()`, `spawn`, scopes). Writes to `x`
//!   inside `f` are visible inside `f` but overwritten by what `f` leaves when it returns.
//!   Writes to other fields (including `clear()` / `value.set()` of the struct) stay.
//!
//! Every test runs under a watchdog that fails it if it does not finish (a deadlock detector;
//! a passing test never waits for it).

use crate::support;

use std::sync::Arc;

use ctxlocal::{Context, async_local};
use support::{Counted, Counters, finishes_within, on_fresh_thread};

#[async_local]
struct Local {
    x: Counted,
    y: Counted,
    #[local(default = 7)]
    w: u64,
}

#[async_local]
struct Other {
    x: Counted,
}

fn id_x() -> Option<u64> {
    Local::with_x(|v| v.map(|c| c.id))
}

fn id_y() -> Option<u64> {
    Local::with_y(|v| v.map(|c| c.id))
}

fn other_x() -> Option<u64> {
    Other::with_x(|v| v.map(|c| c.id))
}

/// Runs `f` on a fresh thread under the watchdog, then checks that every value it created was
/// dropped once (by the time the thread is gone).
fn checked(what: &str, f: impl FnOnce(&Arc<Counters>) + Send + 'static) {
    let counters = finishes_within(20, what, move || on_fresh_thread(f));
    assert_eq!(counters.created(), counters.dropped(), "{what}");
}

#[test]
fn inside_with_every_accessor_of_the_same_field_works_and_the_borrow_never_changes() {
    checked("with_x", |c| {
        Local::set_x(c.make(1));
        Local::with_x(|borrowed| {
            let borrowed = borrowed.unwrap();
            assert_eq!((id_x(), Local::is_x_set()), (Some(1), true));
            assert_eq!(Local::x().unwrap().id, 1);
            Local::with_x(|nested| assert_eq!(nested.unwrap().id, 1));

            Local::set_x(c.make(2));
            assert_eq!(id_x(), Some(2));
            Local::try_set_x(c.make(3)).unwrap();
            assert_eq!(id_x(), Some(3));
            assert_eq!(Local::replace_x(c.make(4)).unwrap().id, 3);
            assert_eq!(Local::take_x().unwrap().id, 4);
            assert_eq!((id_x(), Local::is_x_set()), (None, false));
            Local::update_x(|v| {
                assert!(v.is_none());
                *v = Some(c.make(5));
            });
            assert_eq!(id_x(), Some(5));
            Local::sync_scope_x(c.make(6), || assert_eq!(id_x(), Some(6)));
            assert_eq!(id_x(), Some(5));
            let snapshot = Context::current();
            assert_eq!(snapshot.run(id_x), Some(5));
            Local::clear();
            assert_eq!(id_x(), None);
            Local {
                x: c.make(7),
                y: c.make(8),
                w: 9,
            }
            .set();
            assert_eq!((id_x(), id_y(), Local::w()), (Some(7), Some(8), 9));
            Local {
                x: c.make(10),
                y: c.make(11),
                w: 12,
            }
            .sync_scope(|| assert_eq!((id_x(), Local::w()), (Some(10), 12)));
            assert_eq!(snapshot.run(id_x), Some(5));

            // Through all of it, the borrow is the value it started with.
            assert_eq!(borrowed.id, 1);
        });
        assert_eq!((id_x(), id_y(), Local::w()), (Some(7), Some(8), 9));
        Local::clear();
    });
}

#[test]
fn inside_with_of_a_field_with_a_default_writes_are_seen_by_later_reads() {
    checked("with_w", |_| {
        Local::with_w(|w| {
            assert_eq!(*w, 7);
            Local::set_w(1);
            assert_eq!((Local::w(), Local::is_w_set()), (1, true));
            Local::update_w(|v| *v += 1);
            assert_eq!(Local::w(), 2);
            assert_eq!(Local::take_w(), Some(2));
            assert_eq!(Local::w(), 7);
            Local::set_w(3);
            assert_eq!(*w, 7);
        });
        assert_eq!(Local::w(), 3);
        Local::take_w();
    });
}

#[test]
fn inside_with_accessors_of_other_fields_and_structs_work() {
    checked("with_x, other fields", |c| {
        Local::set_x(c.make(1));
        Other::set_x(c.make(100));
        Local::with_x(|x| {
            Local::set_y(c.make(2));
            Local::update_y(|y| y.as_mut().unwrap().id += 1);
            assert_eq!(id_y(), Some(3));
            Other::with_x(|o| {
                assert_eq!(o.unwrap().id, 100);
                Other::set_x(c.make(101));
                Local::set_x(c.make(4));
                assert_eq!((o.unwrap().id, x.unwrap().id), (100, 1));
            });
            assert_eq!((other_x(), id_x()), (Some(101), Some(4)));
            assert_eq!(Other::take_x().unwrap().id, 101);
            Other::clear();
            Local::update_w(|w| *w = 5);
        });
        assert_eq!(
            (id_x(), id_y(), other_x(), Local::w()),
            (Some(4), Some(3), None, 5)
        );
        Local::clear();
    });
}

#[test]
fn inside_update_the_field_reads_as_unset_and_writes_to_it_are_overwritten() {
    checked("update_x", |c| {
        Local::set_x(c.make(1));
        Local::set_y(c.make(10));
        Local::update_x(|v| {
            assert_eq!(v.as_ref().unwrap().id, 1);
            // The value is out of the context while the closure has it.
            assert_eq!(
                (id_x(), Local::is_x_set(), Local::x().is_none()),
                (None, false, true)
            );
            assert_eq!(Context::current().run(id_x), None);
            assert_eq!(Local::take_x().map(|c| c.id), None);
            Local::set_x(c.make(2));
            assert_eq!(id_x(), Some(2));
            assert_eq!(Local::replace_x(c.make(3)).unwrap().id, 2);
            Local::update_x(|inner| {
                assert_eq!(inner.as_ref().unwrap().id, 3);
                assert_eq!(id_x(), None);
                inner.as_mut().unwrap().id = 4;
            });
            assert_eq!(id_x(), Some(4));
            Local::with_x(|x| assert_eq!(x.unwrap().id, 4));
            Local::sync_scope_x(c.make(5), || assert_eq!(id_x(), Some(5)));
            // Other fields: writes stay.
            Local::update_y(|y| y.as_mut().unwrap().id = 11);
            v.as_mut().unwrap().id = 20;
        });
        // What the closure left wins over what it wrote to the field.
        assert_eq!((id_x(), id_y()), (Some(20), Some(11)));
        // clear() and value.set() inside: the other fields take the new state, the updated
        // field gets the closure's value.
        Local::update_x(|v| {
            Local::clear();
            assert_eq!(id_y(), None);
            v.as_mut().unwrap().id = 21;
        });
        assert_eq!((id_x(), id_y()), (Some(21), None));
        Local::update_x(|v| {
            Local {
                x: c.make(30),
                y: c.make(31),
                w: 32,
            }
            .set();
            assert_eq!(id_x(), Some(30));
            v.as_mut().unwrap().id = 22;
        });
        assert_eq!((id_x(), id_y(), Local::w()), (Some(22), Some(31), 32));
        // An update that leaves `None` unsets the field, whatever was written inside.
        Local::update_x(|v| {
            Local::set_x(c.make(40));
            *v = None;
        });
        assert_eq!(id_x(), None);
        Local::clear();
    });
}

#[test]
fn inside_update_of_a_field_with_a_default_it_reads_as_the_default() {
    checked("update_w", |_| {
        Local::set_w(1);
        Local::update_w(|w| {
            assert_eq!(*w, 1);
            assert_eq!((Local::w(), Local::is_w_set()), (7, false));
            Local::set_w(2);
            assert_eq!(Local::w(), 2);
            Local::update_w(|inner| {
                assert_eq!(*inner, 2);
                *inner = 3;
            });
            *w += 10;
        });
        assert_eq!((Local::w(), Local::is_w_set()), (11, true));
        Local::take_w();
    });
}

#[test]
fn a_bridge_inside_a_borrow_writes_back_without_disturbing_it() {
    checked("async_to_sync inside with_x", |c| {
        Local::set_x(c.make(1));
        let c2 = c.clone();
        Local::with_x(move |x| {
            ctxlocal::async_to_sync(async move {
                assert_eq!(id_x(), Some(1));
                Local::set_x(c2.make(2));
                tokio::task::yield_now().await;
            });
            assert_eq!((x.unwrap().id, id_x()), (1, Some(2)));
        });
        let c3 = c.clone();
        Local::update_x(move |x| {
            ctxlocal::async_to_sync(async move {
                // Inside the update, the field is unset, also in the bridged future.
                assert_eq!(id_x(), None);
                Local::set_x(c3.make(3));
                Local::set_y(c3.make(4));
            });
            assert_eq!(id_x(), Some(3));
            x.as_mut().unwrap().id = 5;
        });
        assert_eq!((id_x(), id_y()), (Some(5), Some(4)));
        Local::clear();
    });
}

#[test]
fn tasks_spawned_inside_update_and_with_see_the_context_as_it_is_there() {
    let counters = Counters::new();
    let c = counters.clone();
    finishes_within(20, "spawn inside closures", move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        runtime.block_on(async move {
            ctxlocal::spawn(async move {
                Local::set_x(c.make(1));
                let in_update = Local::update_x(|v| {
                    v.as_mut().unwrap().id = 2;
                    ctxlocal::spawn(async { id_x() })
                });
                let in_with = Local::with_x(|_| {
                    Local::set_x(c.make(3));
                    ctxlocal::spawn(async { id_x() })
                });
                assert_eq!(in_update.await.unwrap(), None);
                assert_eq!(in_with.await.unwrap(), Some(3));
                Local::clear();
            })
            .await
            .unwrap();
        });
    });
    assert_eq!(counters.created(), counters.dropped());
}

/// Reads and writes the context from its `Drop`.
struct UsesContextOnDrop(std::sync::mpsc::Sender<(Option<u64>, u64)>);

impl Drop for UsesContextOnDrop {
    fn drop(&mut self) {
        let seen = (id_x(), Local::w());
        Local::set_w(seen.1 + 1);
        let _ = self.0.send(seen);
    }
}

#[async_local]
struct Guarded {
    guard: UsesContextOnDrop,
}

#[test]
fn a_value_displaced_during_a_borrow_runs_its_drop_after_the_borrow_ends() {
    checked("drop during a borrow", |c| {
        let (tx, rx) = std::sync::mpsc::channel();
        Local::set_x(c.make(1));
        Guarded::set_guard(UsesContextOnDrop(tx.clone()));
        Guarded::with_guard(|_| {
            // Displaced while borrowed: kept alive until the borrow ends.
            Guarded::set_guard(UsesContextOnDrop(tx.clone()));
            Local::set_x(c.make(2));
            assert!(rx.try_recv().is_err());
        });
        // Its Drop ran after the borrow, and could read and write the context.
        assert_eq!(rx.try_recv().unwrap(), (Some(2), 7));
        assert_eq!(Local::w(), 8);
        // Displaced by clear(): same.
        Guarded::clear();
        assert_eq!(rx.try_recv().unwrap(), (Some(2), 8));
        assert_eq!(Local::w(), 9);
        Local::clear();
    });
}
