//! `examples/transaction_scope.rs`, proven against the SQLite file with a connection of the
//! test's own: `atomic` commits on success and rolls back on error and on panic, nested use is
//! rejected (also through the bridges), and work spawned from inside a transaction is not in it.
#![cfg(feature = "tokio")]

#[path = "../../examples/transaction_scope.rs"]
#[allow(dead_code)]
mod transaction_scope;

use crate::support;

use std::panic::{AssertUnwindSafe, catch_unwind};

use rusqlite::Connection;
use support::TempDb;
use transaction_scope::{
    Settings, TxError, atomic, balance, debit_credit, in_transaction, run_demo, setup, transfer,
};

impl TempDb {
    /// Runs `f` with this database in the context, after creating the two accounts.
    fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        Settings {
            database: self.0.clone(),
        }
        .sync_scope(|| {
            setup().unwrap();
            f()
        })
    }

    /// What is committed: balances of alice and bob, read with a fresh connection.
    fn committed_balances(&self) -> (i64, i64) {
        let conn = Connection::open(&self.0).unwrap();
        let get = |name: &str| -> i64 {
            conn.query_row(
                "SELECT balance FROM accounts WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .unwrap()
        };
        (get("alice"), get("bob"))
    }

    /// What is committed in `transfers`: (source, target, amount, label).
    fn committed_transfers(&self) -> Vec<(String, String, i64, String)> {
        Connection::open(&self.0)
            .unwrap()
            .prepare("SELECT source, target, amount, label FROM transfers ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }
}

fn row(source: &str, target: &str, amount: i64, label: &str) -> (String, String, i64, String) {
    (source.into(), target.into(), amount, label.into())
}

#[test]
fn the_demo_commits_and_rolls_back_as_it_says() {
    let db = TempDb::new("demo");
    let steps = run_demo(&db.0).unwrap();
    let summary: Vec<_> = steps
        .iter()
        .map(|s| (s.balances, s.transfers, s.in_transaction_after))
        .collect();
    assert_eq!(
        summary,
        [
            ((70, 80), 1, false), // committed
            ((70, 80), 1, false), // error: rolled back
            ((70, 80), 1, false), // panic: rolled back
            ((70, 80), 1, false), // nested: rejected, the batch rolled back
            ((75, 75), 2, false), // committed
            ((85, 65), 3, false), // committed, from async code
        ]
    );
    assert_eq!(steps[0].outcome, "committed");
    assert!(
        steps[1]
            .outcome
            .starts_with("rolled back: insufficient funds")
    );
    assert_eq!(steps[2].outcome, "rolled back: panicked");
    assert!(
        steps[3]
            .outcome
            .contains("nested transactions are not supported")
    );
    assert!(
        steps[4].outcome.contains(
            "inside it bob had 75, while a thread spawned from it (in a transaction: false) saw 80"
        ),
        "{}",
        steps[4].outcome
    );
    assert_eq!(steps[5].outcome, "committed");
    assert_eq!(db.committed_balances(), (85, 65));
    assert_eq!(
        db.committed_transfers(),
        [
            row("alice", "bob", 30, "transfer"),
            row("bob", "alice", 5, "month-end batch"),
            row("bob", "alice", 10, "transfer"),
        ]
    );
}

#[test]
fn writes_are_invisible_to_other_connections_until_the_commit() {
    let db = TempDb::new("commit");
    db.run(|| {
        atomic("pay", || {
            debit_credit("alice", "bob", 1)?;
            assert!(in_transaction());
            assert_eq!(balance("alice")?, 99); // this flow sees its own writes
            assert_eq!(db.committed_balances(), (100, 50)); // nobody else does yet
            Ok(())
        })
        .unwrap();
        assert!(!in_transaction());
    });
    assert_eq!(db.committed_balances(), (99, 51));
    assert_eq!(db.committed_transfers(), [row("alice", "bob", 1, "pay")]);
}

#[test]
fn an_error_rolls_back_everything_the_transaction_wrote() {
    let db = TempDb::new("error");
    db.run(|| {
        let error = transfer("alice", "bob", 101).unwrap_err();
        assert!(
            matches!(&error, TxError::InsufficientFunds { account, balance: -1 } if account == "alice"),
            "{error}"
        );
        assert!(!in_transaction());
        // The connection is usable again: `BEGIN` would fail if it were still in a transaction.
        transfer("alice", "bob", 100).unwrap();
    });
    assert_eq!(db.committed_balances(), (0, 150));
    assert_eq!(
        db.committed_transfers(),
        [row("alice", "bob", 100, "transfer")]
    );
}

#[test]
fn a_panic_rolls_back_and_leaves_the_flow_outside_any_transaction() {
    let db = TempDb::new("panic");
    db.run(|| {
        let panicked = catch_unwind(AssertUnwindSafe(|| {
            atomic("pay", || -> Result<(), TxError> {
                debit_credit("alice", "bob", 40)?;
                panic!("boom")
            })
        }));
        let payload = panicked.unwrap_err();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
        assert!(!in_transaction());
        assert_eq!(balance("alice").unwrap(), 100);
        transfer("bob", "alice", 10).unwrap();
    });
    assert_eq!(db.committed_balances(), (110, 40));
    assert_eq!(
        db.committed_transfers(),
        [row("bob", "alice", 10, "transfer")]
    );
}

#[test]
fn nested_use_is_rejected_and_the_outer_transaction_decides() {
    let db = TempDb::new("nested");
    db.run(|| {
        atomic("outer", || {
            debit_credit("alice", "bob", 10)?;
            let error = transfer("alice", "bob", 20).unwrap_err();
            assert!(
                matches!(&error, TxError::Nested { outer, inner } if outer == "outer" && inner == "transfer"),
                "{error}"
            );
            assert_eq!(
                error.to_string(),
                "transaction `transfer` was started inside transaction `outer`; nested \
                 transactions are not supported: let the caller's transaction cover this work"
            );
            // The rejected inner transaction wrote nothing, and the outer one is still open.
            assert!(in_transaction());
            assert_eq!(balance("alice")?, 90);
            Ok(())
        })
        .unwrap();
    });
    assert_eq!(db.committed_balances(), (90, 60));
    assert_eq!(db.committed_transfers(), [row("alice", "bob", 10, "outer")]);
}

#[test]
fn the_bridges_carry_the_transaction_so_nesting_through_them_is_rejected_too() {
    let db = TempDb::new("bridges");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    db.run(|| {
        runtime.block_on(async {
            ctxlocal::sync_to_async(|| {
                atomic("outer", || {
                    debit_credit("alice", "bob", 10)?;
                    // Async code called from inside the transaction, which calls blocking code
                    // again: that lands on another pool thread (this one is busy), whose
                    // connection is not in the transaction.
                    let nested = ctxlocal::async_to_sync(ctxlocal::sync_to_async(|| {
                        transfer("alice", "bob", 1)
                    }));
                    assert!(matches!(nested, Err(TxError::Nested { .. })), "{nested:?}");
                    let query =
                        ctxlocal::async_to_sync(ctxlocal::sync_to_async(|| balance("alice")));
                    assert!(
                        matches!(query, Err(TxError::WrongThread { .. })),
                        "{query:?}"
                    );
                    Ok(())
                })
            })
            .await
            .unwrap();
        });
    });
    drop(runtime);
    assert_eq!(db.committed_balances(), (90, 60));
    assert_eq!(db.committed_transfers(), [row("alice", "bob", 10, "outer")]);
}

#[test]
fn work_spawned_from_a_transaction_is_not_in_it() {
    let db = TempDb::new("spawned");
    db.run(|| {
        let other = atomic("outer", || {
            debit_credit("alice", "bob", 10)?;
            // A thread started with the context: it gets the database, not the transaction,
            // and on its own connection it sees the committed data.
            let (in_tx, alice) = ctxlocal::thread::spawn(|| (in_transaction(), balance("alice")))
                .join()
                .unwrap();
            assert!(!in_tx);
            assert_eq!(alice?, 100);
            // One that opens a transaction of its own is not nested: its `BEGIN IMMEDIATE`
            // waits for SQLite's lock until this transaction commits.
            Ok(ctxlocal::thread::spawn(|| transfer("bob", "alice", 5)))
        })
        .unwrap();
        other.join().unwrap().unwrap();
    });
    assert_eq!(db.committed_balances(), (95, 55));
    assert_eq!(
        db.committed_transfers(),
        [
            row("alice", "bob", 10, "outer"),
            row("bob", "alice", 5, "transfer")
        ]
    );
}
