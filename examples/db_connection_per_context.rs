//! One real SQLite connection per thread, reached from async code through the bridges.
//!
//! Run it with:
//!
//! ```sh
//! cargo run -p ctxlocal-tests --example db_connection_per_context
//! ```
//!
//! What it shows:
//!
//! - a `rusqlite::Connection` (SQLite compiled in, a database file in the temp directory) held
//!   in a `#[async_local(thread_critical)]` struct: `Connection` is `Send` but not `Sync`, so a
//!   default-mode field would not compile, and a thread-critical one keeps each connection on
//!   the thread that opened it, like Django's per-thread connections;
//! - async "requests" (tasks started with `ctxlocal::spawn`) that call the blocking driver
//!   through `ctxlocal::sync_to_async`: each call runs on one of tokio's blocking-pool threads
//!   and uses *that thread's* connection, opened on first use and reused by every later call
//!   that lands on the thread, while the request id and the database path (default-mode
//!   values) travel with the request onto whichever thread runs the call;
//! - tables created and queried for real: every connection records itself in a `connections`
//!   table when it opens, every row of `orders` records the request id the context gave it
//!   and the connection and thread that wrote it, and each request reads back its own rows;
//! - plain sync code on the main thread gets a connection of its own.
//!
//! It prints what each request read back and the connections that were opened.
//! `tests/examples/example_db.rs` checks all of it against the database file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ctxlocal::{async_local, sync_to_async};
use rusqlite::Connection;

/// This thread's connection. Never carried to another thread, by anything.
#[async_local(thread_critical)]
struct Db {
    conn: ThreadConnection,
}

/// A connection and where it belongs.
pub struct ThreadConnection {
    conn: Connection,
    /// The database file it was opened on.
    path: PathBuf,
    /// Its row in the `connections` table.
    pub id: i64,
}

/// Which database the current flow of work talks to: a default-mode value, so it follows the
/// flow into tasks and through the bridges.
#[async_local]
pub struct Settings {
    pub database: PathBuf,
}

/// The request being served.
#[async_local]
pub struct RequestCtx {
    pub request_id: String,
}

/// Requests the demo serves concurrently, and rows each one inserts (one bridge call each).
pub const REQUESTS: usize = 8;
pub const ITEMS_PER_REQUEST: usize = 5;
/// The size of tokio's blocking pool in the demo: far fewer threads than calls, so threads,
/// and their connections, are reused.
pub const POOL_THREADS: usize = 3;

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS connections (
        id     INTEGER PRIMARY KEY,
        thread TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS orders (
        id         INTEGER PRIMARY KEY,
        request_id TEXT NOT NULL,
        item       TEXT NOT NULL,
        connection INTEGER NOT NULL REFERENCES connections (id),
        thread     TEXT NOT NULL
    );
";

/// The current thread, as recorded in the tables.
pub fn thread_name() -> String {
    format!("{:?}", std::thread::current().id())
}

impl ThreadConnection {
    fn open(path: &Path) -> rusqlite::Result<Self> {
        let conn = Connection::open(path)?;
        // Several threads write the same file: wait for SQLite's lock instead of failing.
        conn.busy_timeout(Duration::from_secs(30))?;
        conn.execute_batch(SCHEMA)?;
        conn.execute(
            "INSERT INTO connections (thread) VALUES (?1)",
            [thread_name()],
        )?;
        let id = conn.last_insert_rowid();
        Ok(ThreadConnection {
            conn,
            path: path.to_owned(),
            id,
        })
    }
}

/// Runs `f` with this thread's connection to the current context's database, opening it on
/// the first call on this thread.
///
/// # Panics
///
/// If no database is set in the current context (`Settings`).
pub fn with_connection<R>(
    f: impl FnOnce(&ThreadConnection) -> rusqlite::Result<R>,
) -> rusqlite::Result<R> {
    let database = Settings::database()
        .expect("no database in this context: run inside `Settings { .. }.scope(..)`");
    let open = Db::with_conn(|conn| conn.is_some_and(|conn| conn.path == database));
    if !open {
        Db::set_conn(ThreadConnection::open(&database)?);
    }
    Db::with_conn(|conn| f(conn.expect("opened above")))
}

/// Whether the current thread has opened a connection.
pub fn has_connection() -> bool {
    Db::is_conn_set()
}

/// Closes the current thread's connection (if it has one).
pub fn close_connection() {
    Db::clear();
}

/// The data layer: blocking functions that know nothing of requests, and still tag every
/// row with the current request's id.
pub mod orders {
    use super::{RequestCtx, thread_name, with_connection};

    /// Inserts an order row for the current request.
    pub fn insert(item: &str) -> rusqlite::Result<()> {
        let request_id = RequestCtx::request_id().expect("not inside a request");
        with_connection(|c| {
            c.conn.execute(
                "INSERT INTO orders (request_id, item, connection, thread) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![request_id, item, c.id, thread_name()],
            )?;
            Ok(())
        })
    }

    /// The current request's items, in insertion order.
    pub fn mine() -> rusqlite::Result<Vec<String>> {
        let request_id = RequestCtx::request_id().expect("not inside a request");
        with_connection(|c| {
            let mut query = c
                .conn
                .prepare("SELECT item FROM orders WHERE request_id = ?1 ORDER BY id")?;
            let items = query.query_map([request_id], |row| row.get(0))?;
            items.collect()
        })
    }
}

/// One request: inserts its items, one blocking call each, then reads them back.
async fn handle_request(n: usize) -> rusqlite::Result<Vec<String>> {
    for k in 0..ITEMS_PER_REQUEST {
        let item = format!("order-{n}-item-{k}");
        sync_to_async(move || orders::insert(&item)).await?;
    }
    sync_to_async(orders::mine).await
}

/// What the demo did.
#[derive(Debug)]
pub struct Report {
    /// Each request's id and the items it read back.
    pub requests: Vec<(String, Vec<String>)>,
    /// The `connections` table: id, the thread that opened it, and the rows it inserted.
    pub connections: Vec<(i64, String, i64)>,
    /// How many blocking calls the requests made.
    pub calls: usize,
    /// Rows in `orders`, counted by the main thread on its own connection.
    pub rows: i64,
    /// The main thread's connection.
    pub main_connection: i64,
    /// Whether the main thread had a connection before it asked for one.
    pub main_had_connection_before: bool,
}

/// Serves [`REQUESTS`] concurrent requests against the database file `database` (created if
/// missing), then summarises from the main thread.
pub fn run_demo(database: &Path) -> rusqlite::Result<Report> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(POOL_THREADS)
        .build()
        .expect("tokio runtime");
    let settings = || Settings {
        database: database.to_owned(),
    };
    let served = runtime.block_on(settings().scope(async {
        let requests: Vec<_> = (0..REQUESTS)
            .map(|n| {
                let ctx = RequestCtx {
                    request_id: format!("req-{n}"),
                };
                ctxlocal::spawn(ctx.scope(handle_request(n)))
            })
            .collect();
        let mut served = Vec::new();
        for (n, request) in requests.into_iter().enumerate() {
            let items = request.await.expect("request task panicked")?;
            served.push((format!("req-{n}"), items));
        }
        Ok::<_, rusqlite::Error>(served)
    }))?;
    // Shutting the runtime down ends its blocking threads, which closes their connections.
    drop(runtime);

    // Plain sync code on this thread: its own connection.
    let main_had_connection_before = has_connection();
    let (rows, connections, main_connection) = settings().sync_scope(|| {
        with_connection(|c| {
            let rows = c
                .conn
                .query_row("SELECT count(*) FROM orders", [], |row| row.get(0))?;
            let mut query = c.conn.prepare(
                "SELECT c.id, c.thread, count(o.id) FROM connections c \
                 LEFT JOIN orders o ON o.connection = c.id GROUP BY c.id ORDER BY c.id",
            )?;
            let connections = query
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok((rows, connections, c.id))
        })
    })?;
    close_connection();
    Ok(Report {
        requests: served,
        connections,
        calls: REQUESTS * (ITEMS_PER_REQUEST + 1),
        rows,
        main_connection,
        main_had_connection_before,
    })
}

fn main() -> rusqlite::Result<()> {
    let database = std::env::temp_dir().join(format!(
        "ctxlocal-db-example-{}.sqlite3",
        std::process::id()
    ));
    let report = run_demo(&database);
    let _ = std::fs::remove_file(&database);
    let report = report?;

    println!("{REQUESTS} concurrent requests, {ITEMS_PER_REQUEST} inserts + 1 query each,");
    println!(
        "{} blocking calls on a pool of {POOL_THREADS} threads:\n",
        report.calls
    );
    for (id, items) in &report.requests {
        println!("{id} read back {} rows: {}", items.len(), items.join(", "));
    }
    println!("\nconnections opened (one per thread that used the database):");
    for (id, thread, rows) in &report.connections {
        if *id == report.main_connection {
            println!("  connection {id} on {thread}: the main thread's own");
        } else {
            println!("  connection {id} on {thread}: inserted {rows} rows");
        }
    }
    println!(
        "\n{} rows in `orders`; the main thread had no connection before it asked: {}",
        report.rows, !report.main_had_connection_before
    );
    Ok(())
}
