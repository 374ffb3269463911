//! A database transaction held in the context, like Django's `transaction.atomic`.
//!
//! Run it with:
//!
//! ```sh
//! cargo run -p ctxlocal-tests --example transaction_scope
//! ```
//!
//! What it shows, against a real SQLite file (rusqlite, SQLite compiled in):
//!
//! - `atomic(label, || ..)` opens a transaction (`BEGIN IMMEDIATE`) on the current thread's
//!   connection (a thread-critical value, as in `db_connection_per_context`) and marks the
//!   context as being inside it, so code deep in the call tree knows, without a parameter;
//! - it commits when the closure returns `Ok`, and rolls back when it returns `Err` or panics
//!   (a guard's `Drop` does the `ROLLBACK`, and the scoped marker is restored by the crate
//!   during the unwind);
//! - nesting is rejected with a clear error, also when the inner `atomic` is reached through
//!   the bridges (`sync_to_async` carries the marker);
//! - the marker is a `#[local(no_inherit)]` field: a thread or task spawned from inside the
//!   transaction is not in it, and indeed sees, on its own connection, the data as it was
//!   before the transaction;
//! - database calls made in the transaction's flow from a thread other than the one that owns
//!   the transaction's connection are refused instead of silently running outside it.
//!
//! It prints each step, its outcome and the balances read back from the database. The panic
//! message of step 3 on stderr is expected: the panic is caught and the transfer rolled back.
//! `tests/examples/example_transaction.rs` checks all of it against the database file.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::thread::ThreadId;
use std::time::Duration;

use ctxlocal::async_local;
use rusqlite::{Connection, Params};

/// This thread's connection (never leaves the thread).
#[async_local(thread_critical)]
struct Db {
    conn: (PathBuf, Connection),
}

/// Which database the current flow of work uses.
#[async_local]
pub struct Settings {
    pub database: PathBuf,
}

/// The transaction the current flow of work is in, if any.
#[async_local]
struct TxCtx {
    /// Not inherited by spawned tasks and threads: they run on other connections, outside the
    /// transaction. Carried through `sync_to_async` / `async_to_sync`, which continue the
    /// same flow.
    #[local(no_inherit)]
    transaction: Transaction,
}

/// What the context knows about the open transaction.
#[derive(Clone, Debug)]
pub struct Transaction {
    pub label: String,
    /// The thread whose connection holds the transaction.
    pub thread: ThreadId,
}

/// Everything that can go wrong here.
#[derive(Debug)]
pub enum TxError {
    /// `atomic` was called inside another `atomic`.
    Nested {
        outer: String,
        inner: String,
    },
    /// The flow is inside a transaction whose connection belongs to another thread.
    WrongThread {
        label: String,
    },
    /// A business rule said no.
    InsufficientFunds {
        account: String,
        balance: i64,
    },
    Db(rusqlite::Error),
}

impl fmt::Display for TxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TxError::Nested { outer, inner } => write!(
                f,
                "transaction `{inner}` was started inside transaction `{outer}`; nested \
                 transactions are not supported: let the caller's transaction cover this work"
            ),
            TxError::WrongThread { label } => write!(
                f,
                "this code runs inside transaction `{label}`, whose connection belongs to \
                 another thread; a query here would run outside the transaction"
            ),
            TxError::InsufficientFunds { account, balance } => {
                write!(f, "insufficient funds: {account} would have {balance}")
            }
            TxError::Db(error) => write!(f, "database error: {error}"),
        }
    }
}

impl std::error::Error for TxError {}

impl From<rusqlite::Error> for TxError {
    fn from(error: rusqlite::Error) -> Self {
        TxError::Db(error)
    }
}

/// Runs `f` with this thread's connection to the context's database, opening it if needed.
fn with_connection<R>(f: impl FnOnce(&Connection) -> rusqlite::Result<R>) -> Result<R, TxError> {
    if let Some(tx) = TxCtx::transaction() {
        if tx.thread != std::thread::current().id() {
            return Err(TxError::WrongThread { label: tx.label });
        }
    }
    let database = Settings::database()
        .expect("no database in this context: run inside `Settings { .. }.sync_scope(..)`");
    let open = Db::with_conn(|conn| conn.is_some_and(|(path, _)| *path == database));
    if !open {
        let conn = Connection::open(&database)?;
        conn.busy_timeout(Duration::from_secs(30))?;
        Db::set_conn((database, conn));
    }
    Ok(Db::with_conn(|conn| f(&conn.expect("opened above").1))?)
}

/// Executes one statement, in the current transaction if there is one.
pub fn execute(sql: &str, params: impl Params) -> Result<usize, TxError> {
    with_connection(|conn| conn.execute(sql, params))
}

/// Whether the current flow of work is inside a transaction.
pub fn in_transaction() -> bool {
    TxCtx::is_transaction_set()
}

/// Runs `f` in a transaction: commits if it returns `Ok`, rolls back if it returns `Err` or
/// panics. Refuses to start inside another transaction.
pub fn atomic<R>(label: &str, f: impl FnOnce() -> Result<R, TxError>) -> Result<R, TxError> {
    if let Some(outer) = TxCtx::transaction() {
        return Err(TxError::Nested {
            outer: outer.label,
            inner: label.to_owned(),
        });
    }
    with_connection(|conn| conn.execute_batch("BEGIN IMMEDIATE"))?;
    // Armed from here on: an early return or a panic rolls back.
    let guard = RollbackOnDrop { armed: true };
    let transaction = Transaction {
        label: label.to_owned(),
        thread: std::thread::current().id(),
    };
    // The marker is set for `f` only, and restored even if `f` panics.
    let result = TxCtx::sync_scope_transaction(transaction, f)?;
    with_connection(|conn| conn.execute_batch("COMMIT"))?;
    guard.disarm();
    Ok(result)
}

struct RollbackOnDrop {
    armed: bool,
}

impl RollbackOnDrop {
    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for RollbackOnDrop {
    fn drop(&mut self) {
        if self.armed {
            // Also runs while a panic unwinds; the marker is already restored by then.
            let _ = with_connection(|conn| conn.execute_batch("ROLLBACK"));
        }
    }
}

/// Creates the tables and the two accounts.
pub fn setup() -> Result<(), TxError> {
    with_connection(|conn| {
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS accounts (name TEXT PRIMARY KEY, balance INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS transfers (
                 id INTEGER PRIMARY KEY, source TEXT, target TEXT, amount INTEGER, label TEXT
             );
             DELETE FROM accounts; DELETE FROM transfers;
             INSERT INTO accounts VALUES ('alice', 100), ('bob', 50);",
        )
    })
}

/// An account's balance, as this flow of work sees it.
pub fn balance(account: &str) -> Result<i64, TxError> {
    with_connection(|conn| {
        conn.query_row(
            "SELECT balance FROM accounts WHERE name = ?1",
            [account],
            |row| row.get(0),
        )
    })
}

/// Moves money; its own unit of work, so it opens its own transaction.
pub fn transfer(source: &str, target: &str, amount: i64) -> Result<(), TxError> {
    atomic("transfer", || debit_credit(source, target, amount))
}

/// The body of a transfer, for callers that are already in a transaction.
pub fn debit_credit(source: &str, target: &str, amount: i64) -> Result<(), TxError> {
    execute(
        "UPDATE accounts SET balance = balance - ?1 WHERE name = ?2",
        (amount, source),
    )?;
    execute(
        "UPDATE accounts SET balance = balance + ?1 WHERE name = ?2",
        (amount, target),
    )?;
    let label = TxCtx::transaction().map(|tx| tx.label);
    execute(
        "INSERT INTO transfers (source, target, amount, label) VALUES (?1, ?2, ?3, ?4)",
        (source, target, amount, label),
    )?;
    // The check comes after the writes: a failure must undo them.
    let balance = balance(source)?;
    if balance < 0 {
        return Err(TxError::InsufficientFunds {
            account: source.to_owned(),
            balance,
        });
    }
    Ok(())
}

/// One step of the demo and what the database said afterwards.
#[derive(Debug)]
pub struct Step {
    pub name: &'static str,
    pub outcome: String,
    /// Balances of alice and bob after the step.
    pub balances: (i64, i64),
    /// Rows in `transfers` after the step.
    pub transfers: i64,
    /// Whether the flow was still marked as in a transaction after the step.
    pub in_transaction_after: bool,
}

fn outcome(result: Result<(), TxError>) -> String {
    match result {
        Ok(()) => "committed".to_owned(),
        Err(error) => format!("rolled back: {error}"),
    }
}

/// Runs the demo's steps against the database file `database`.
pub fn run_demo(database: &Path) -> Result<Vec<Step>, TxError> {
    Settings {
        database: database.to_owned(),
    }
    .sync_scope(|| {
        setup()?;
        let mut steps = Vec::new();
        let mut record = |name, outcome: String| -> Result<(), TxError> {
            let transfers = with_connection(|c| {
                c.query_row("SELECT count(*) FROM transfers", [], |r| r.get(0))
            })?;
            steps.push(Step {
                name,
                outcome,
                balances: (balance("alice")?, balance("bob")?),
                transfers,
                in_transaction_after: in_transaction(),
            });
            Ok(())
        };

        record(
            "1. alice pays bob 30",
            outcome(transfer("alice", "bob", 30)),
        )?;
        record(
            "2. alice pays bob 500",
            outcome(transfer("alice", "bob", 500)),
        )?;

        let panicked = catch_unwind(AssertUnwindSafe(|| {
            atomic("transfer", || -> Result<(), TxError> {
                debit_credit("alice", "bob", 20)?;
                panic!("the payment provider went away mid-transfer")
            })
        }));
        let text = match panicked {
            Ok(result) => outcome(result),
            Err(_) => "rolled back: panicked".to_owned(),
        };
        record("3. a transfer that panics", text)?;

        let nested = atomic("month-end batch", || {
            debit_credit("bob", "alice", 5)?;
            // `transfer` opens a transaction of its own: rejected, and the batch fails whole.
            transfer("bob", "alice", 5)
        });
        record("4. a batch calling `transfer`", outcome(nested))?;

        let seen_outside = atomic("month-end batch", || {
            debit_credit("bob", "alice", 5)?;
            let inside = balance("bob")?;
            // A thread spawned from here carries the context but not the transaction, and its
            // own connection sees the committed data.
            let (in_tx, outside) = ctxlocal::thread::spawn(|| (in_transaction(), balance("bob")))
                .join()
                .expect("the reporting thread panicked");
            Ok((inside, in_tx, outside?))
        });
        let text = match seen_outside {
            Ok((inside, in_tx, outside)) => format!(
                "committed; inside it bob had {inside}, while a thread spawned from it \
                 (in a transaction: {in_tx}) saw {outside}"
            ),
            Err(error) => outcome(Err(error)),
        };
        record("5. a batch with a spawned reader", text)?;

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .expect("tokio runtime");
        let from_async = runtime.block_on(async {
            // An async handler: the transaction runs on a blocking-pool thread, on its
            // connection, from `BEGIN` to `COMMIT`.
            ctxlocal::sync_to_async(|| transfer("bob", "alice", 10)).await
        });
        drop(runtime);
        record("6. bob pays alice 10, from async code", outcome(from_async))?;
        Ok(steps)
    })
}

fn main() {
    // Step 3 panics on purpose: one line instead of the default report.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("   (a panic, caught by the demo: {info})")
    }));
    let database = std::env::temp_dir().join(format!(
        "ctxlocal-transaction-example-{}.sqlite3",
        std::process::id()
    ));
    println!("alice and bob start with 100 and 50.\n");
    let steps = run_demo(&database);
    let _ = std::fs::remove_file(&database);
    for step in steps.expect("demo failed") {
        println!("{}\n   {}", step.name, step.outcome);
        println!(
            "   balances in the database: alice {}, bob {}; {} transfer rows",
            step.balances.0, step.balances.1, step.transfers
        );
    }
}
