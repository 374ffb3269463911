//! One database transaction per request, held open across awaits, on the request's own sync
//! thread: Django's model (one connection per thread, every sync call of a request on one
//! thread), with ctxlocal's thread-sensitive bridges.
//!
//! Run it with:
//!
//! ```sh
//! cargo run -p ctxlocal-tests --example request_transaction
//! ```
//!
//! What it shows, against a real SQLite file (rusqlite, SQLite compiled in):
//!
//! - `Db`: a `rusqlite::Connection` in a thread-critical field, opened on first use on each
//!   thread by `Db::with_conn_or_init` (the seeds' `ThreadLocalDB.connection` pattern);
//! - a request runs in its own `thread_sensitive_context`, so its thread-sensitive calls all run
//!   on one thread, and so on one connection: `place_order` opens a transaction in one call,
//!   awaits other work (a timer, a spawned task), inserts in a second call, awaits again (a
//!   payment confirmation) and commits in a third. Each call checks that it runs on the thread
//!   whose connection holds the transaction;
//! - a request that fails between its calls rolls back, and so does one that is dropped between
//!   them (the client went away): when its context ends, its thread drops the connection, and
//!   SQLite rolls back what was not committed, releasing its write lock for the others;
//! - the same handler with plain `sync_to_async` (the blocking pool): its calls land on
//!   whatever pool thread is free, often not the one holding the transaction, and the check
//!   refuses them ("wrong thread") instead of writing outside the transaction. (The transaction
//!   it opened stays on that pool thread's connection until the thread's next call rolls it
//!   back, or the thread exits: the demo's runtime lets idle pool threads go after 100 ms);
//! - `service`: requests through `ctxlocal::tower::ScopeLayer::thread_sensitive` (request id
//!   and database from the request): each request has a sync thread of its own, as in a
//!   `thread_sensitive_context`.
//!
//! `tests/examples/example_request_transaction.rs` checks all of it against the database file,
//! and runs 64 concurrent requests through the service.

use std::fmt;
use std::path::{Path, PathBuf};
use std::thread::ThreadId;
use std::time::Duration;

use ctxlocal::{SyncToAsync, async_local, sync_to_async, thread_sensitive_context};
use rusqlite::Connection;

/// This thread's connection, opened on first use (see `with_db`). Never leaves the thread.
#[async_local(thread_critical)]
struct Db {
    conn: Connection,
}

/// Which database the current flow of work uses.
#[async_local]
pub struct Settings {
    pub database: PathBuf,
}

/// The request being served.
#[async_local]
pub struct RequestCtx {
    pub request_id: String,
}

/// The open transaction of the current request: the thread whose connection holds it.
#[async_local]
struct TxCtx {
    /// Tasks spawned by the request are not in its transaction.
    #[local(no_inherit)]
    thread: ThreadId,
}

/// How a handler reaches the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Calls {
    /// `sync_to_async(f).thread_sensitive()`: on the request's own thread.
    ThreadSensitive,
    /// `sync_to_async(f)`: on any blocking-pool thread.
    Pool,
}

#[derive(Debug)]
pub enum AppError {
    /// A call of the transaction ran on a thread whose connection does not hold it.
    WrongThread,
    /// The pricing service said no (a failure between the calls).
    OutOfStock(String),
    Db(rusqlite::Error),
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::WrongThread => f.write_str(
                "wrong thread: this call runs on a thread whose connection is not the one \
                 holding the request's transaction",
            ),
            AppError::OutOfStock(item) => write!(f, "{item} is out of stock"),
            AppError::Db(error) => write!(f, "database error: {error}"),
        }
    }
}

impl std::error::Error for AppError {}

impl From<rusqlite::Error> for AppError {
    fn from(error: rusqlite::Error) -> Self {
        AppError::Db(error)
    }
}

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL,
    item TEXT NOT NULL,
    price INTEGER NOT NULL,
    thread TEXT NOT NULL
);";

/// Runs `f` with this thread's connection to the context's database, opening it on the first
/// use on this thread.
fn with_db<R>(f: impl FnOnce(&Connection) -> rusqlite::Result<R>) -> Result<R, AppError> {
    let database = Settings::database().expect("no database in this context");
    let ours = TxCtx::thread() == Some(std::thread::current().id());
    let result = Db::with_conn_or_init(
        || open(&database),
        |conn| {
            if !ours && !conn.is_autocommit() {
                // A transaction another request opened here and could not finish (its next
                // call ran elsewhere): not ours to continue.
                conn.execute_batch("ROLLBACK")?;
            }
            f(conn)
        },
    );
    Ok(result?)
}

fn open(database: &Path) -> Connection {
    let conn = Connection::open(database)
        .unwrap_or_else(|error| panic!("cannot open {}: {error}", database.display()));
    // Requests take turns on SQLite's write lock (taken by their first write, held until they
    // commit): wait for it instead of failing.
    conn.busy_timeout(Duration::from_secs(60))
        .expect("busy timeout");
    conn.execute_batch(SCHEMA).expect("schema");
    conn
}

/// Creates the table (on the current thread's connection).
pub fn setup(database: &Path) -> rusqlite::Result<()> {
    Connection::open(database)?.execute_batch(SCHEMA)
}

/// Refuses to go on unless this thread's connection holds the request's transaction.
fn in_transaction() -> Result<(), AppError> {
    match TxCtx::thread() {
        Some(thread) if thread == std::thread::current().id() => Ok(()),
        _ => Err(AppError::WrongThread),
    }
}

/// `f` as a call of the handler, made as `calls` says.
fn call<F, R>(calls: Calls, f: F) -> SyncToAsync<F>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    match calls {
        Calls::ThreadSensitive => sync_to_async(f).thread_sensitive(),
        Calls::Pool => sync_to_async(f),
    }
}

/// What other async work says an item costs; a spawned task, as a handler would fan out.
async fn price_of(item: String) -> Result<i64, AppError> {
    // A timer, as a call to another service would be.
    tokio::time::sleep(Duration::from_millis(1)).await;
    ctxlocal::spawn(async move {
        // The spawned task sees the request's values, but not its transaction.
        assert!(RequestCtx::request_id().is_some() && TxCtx::thread().is_none());
        match item.as_str() {
            "unobtainium" => Err(AppError::OutOfStock(item)),
            _ => Ok(item.len() as i64 * 10),
        }
    })
    .await
    .expect("pricing task")
}

/// Tells whoever waits on it that a request asked for a payment that will never be confirmed
/// (the item `"unpaid"`): that request waits between its write and its commit until dropped.
pub static PAYMENT_ASKED: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Asks the payment service to confirm the order: another await between two calls.
async fn confirm_payment(item: &str) {
    tokio::task::yield_now().await;
    if item == "unpaid" {
        PAYMENT_ASKED.notify_one();
        std::future::pending::<()>().await;
    }
}

/// The handler: a transaction over three calls, with awaits between them. Returns the new
/// order's id.
pub async fn place_order(calls: Calls, item: String) -> Result<i64, AppError> {
    // Call 1: open the transaction on this thread's connection.
    call(calls, || {
        with_db(|c| c.execute_batch("BEGIN"))?;
        TxCtx::set_thread(std::thread::current().id());
        Ok::<_, AppError>(())
    })
    .await?;
    let price = match price_of(item.clone()).await {
        Ok(price) => price,
        Err(error) => {
            // Failed between the calls: roll back, on the transaction's connection.
            call(calls, || {
                in_transaction()?;
                with_db(|c| c.execute_batch("ROLLBACK"))
            })
            .await?;
            return Err(error);
        }
    };
    // Call 2: write, in the transaction (this takes SQLite's write lock until the commit).
    let order = item.clone();
    let id = call(calls, move || {
        in_transaction()?;
        let request_id = RequestCtx::request_id().expect("in a request");
        let thread = format!("{:?}", std::thread::current().id());
        with_db(|c| {
            c.execute(
                "INSERT INTO orders (request_id, item, price, thread) VALUES (?1, ?2, ?3, ?4)",
                (request_id, order, price, thread),
            )?;
            Ok(c.last_insert_rowid())
        })
    })
    .await?;
    confirm_payment(&item).await;
    // Call 3: commit.
    call(calls, || {
        in_transaction()?;
        with_db(|c| c.execute_batch("COMMIT"))?;
        TxCtx::clear();
        Ok::<_, AppError>(())
    })
    .await?;
    Ok(id)
}

/// One request: `place_order` in its own context, with the request's values and a sync
/// thread of its own.
pub async fn request(
    database: &Path,
    request_id: &str,
    calls: Calls,
    item: &str,
) -> Result<i64, AppError> {
    let values = (
        Settings {
            database: database.to_owned(),
        },
        RequestCtx {
            request_id: request_id.to_owned(),
        },
    );
    let context = ctxlocal::Context::empty().with(values);
    context
        .scope(thread_sensitive_context(place_order(
            calls,
            item.to_owned(),
        )))
        .await
}

/// The same handler behind `ScopeLayer::thread_sensitive` (request id from `x-request-id`, item
/// from the path: each request has its own sync thread): answers `201 <order id>`, or `409
/// <error>`.
pub fn service(
    database: PathBuf,
) -> impl tower::Service<
    http::Request<()>,
    Response = http::Response<ctxlocal::WithContext<String>>,
    Error = std::convert::Infallible,
    Future: Send,
> + Clone {
    use ctxlocal::tower::ScopeLayer;
    use tower::ServiceBuilder;

    ServiceBuilder::new()
        .layer(
            ScopeLayer::new(move |request: &http::Request<()>| {
                let request_id = request
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("anonymous")
                    .to_owned();
                (
                    Settings {
                        database: database.clone(),
                    },
                    RequestCtx { request_id },
                )
            })
            .thread_sensitive(),
        )
        .service_fn(|request: http::Request<()>| async move {
            let item = request.uri().path().trim_start_matches('/').to_owned();
            let (status, body) = match place_order(Calls::ThreadSensitive, item).await {
                Ok(id) => (201, id.to_string()),
                Err(error) => (409, error.to_string()),
            };
            let response = http::Response::builder()
                .status(status)
                .body(body)
                .expect("response");
            Ok::<_, std::convert::Infallible>(response)
        })
}

/// The committed orders: (request id, item, thread).
pub fn committed(database: &Path) -> Vec<(String, String, String)> {
    let conn = Connection::open(database).expect("open");
    let mut statement = conn
        .prepare("SELECT request_id, item, thread FROM orders ORDER BY id")
        .expect("query");
    statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows")
}

fn main() {
    let database = std::env::temp_dir().join(format!(
        "ctxlocal-request-transaction-{}.sqlite3",
        std::process::id()
    ));
    setup(&database).expect("schema");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_keep_alive(Duration::from_millis(100))
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        // Four requests at a time, with each kind of calls.
        let rounds = [
            (
                Calls::ThreadSensitive,
                ["book", "lamp", "unobtainium", "chair"],
            ),
            (Calls::Pool, ["table", "rug", "vase", "clock"]),
        ];
        let mut n = 0;
        for (calls, items) in rounds {
            println!("{calls:?} calls, four requests at a time:");
            let requests = items.map(|item| {
                n += 1;
                let request_id = format!("req-{n}");
                let database = database.clone();
                tokio::spawn(async move {
                    let outcome = match request(&database, &request_id, calls, item).await {
                        Ok(id) => format!("committed as order {id}"),
                        Err(error) => format!("failed: {error}"),
                    };
                    format!("   {request_id} buys a {item}: {outcome}")
                })
            });
            for request in requests {
                println!("{}", request.await.expect("request task"));
            }
        }
    });
    println!("\ncommitted orders:");
    for (request_id, item, thread) in committed(&database) {
        println!("   {request_id}: {item} (written on {thread})");
    }
    drop(runtime);
    let _ = std::fs::remove_file(&database);
}
