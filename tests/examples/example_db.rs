//! `examples/db_connection_per_context.rs`, checked against the SQLite file it writes: each
//! thread that touches the database opens exactly one connection and keeps using it, a
//! connection is only ever used on the thread that opened it, and the request id reaches the
//! blocking pool through `sync_to_async` so that every row carries the right one.
#![cfg(feature = "tokio")]

#[path = "../../examples/db_connection_per_context.rs"]
#[allow(dead_code)]
mod db_connection_per_context;
use crate::support;

use std::collections::{HashMap, HashSet};

use db_connection_per_context::{
    ITEMS_PER_REQUEST, POOL_THREADS, REQUESTS, Settings, close_connection, has_connection,
    run_demo, thread_name, with_connection,
};
use rusqlite::Connection;
use support::TempDb;

impl TempDb {
    fn settings(&self) -> Settings {
        Settings {
            database: self.0.clone(),
        }
    }
}

#[test]
fn requests_use_one_connection_per_thread_and_every_row_carries_its_request_id() {
    let db = TempDb::new("per-thread");
    let report = run_demo(&db.0).unwrap();

    // Each request read back exactly its own rows, through whichever connection served it.
    assert_eq!(report.requests.len(), REQUESTS);
    for (n, (id, items)) in report.requests.iter().enumerate() {
        assert_eq!(id, &format!("req-{n}"));
        let expected: Vec<_> = (0..ITEMS_PER_REQUEST)
            .map(|k| format!("order-{n}-item-{k}"))
            .collect();
        assert_eq!(items, &expected);
    }

    // The file itself, read with a connection of the test's own.
    let conn = Connection::open(&db.0).unwrap();
    let connections: HashMap<i64, String> = conn
        .prepare("SELECT id, thread FROM connections")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let rows: Vec<(String, String, i64, String)> = conn
        .prepare("SELECT request_id, item, connection, thread FROM orders")
        .unwrap()
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), REQUESTS * ITEMS_PER_REQUEST);
    assert_eq!(report.rows, rows.len() as i64);
    for (request_id, item, connection, thread) in &rows {
        // The id was read from the context on the pool thread, the item passed explicitly.
        let n = item.split('-').nth(1).unwrap();
        assert_eq!(request_id, &format!("req-{n}"), "{item}");
        // The connection that wrote the row was opened on the thread that wrote it.
        assert_eq!(&connections[connection], thread, "{item}");
    }

    // One connection per thread: no thread opened two.
    let threads: HashSet<&String> = connections.values().collect();
    assert_eq!(threads.len(), connections.len(), "{connections:?}");
    // The pool's threads, and their connections, were reused across the 48 calls.
    let pool_connections: HashSet<i64> = rows.iter().map(|row| row.2).collect();
    assert!(
        !pool_connections.is_empty() && pool_connections.len() <= POOL_THREADS,
        "{pool_connections:?}"
    );
    assert!(report.calls > pool_connections.len());
    // The main thread (this test's thread) had no connection until it asked for one, got its
    // own, and closed it.
    assert!(!report.main_had_connection_before);
    assert_eq!(connections[&report.main_connection], thread_name());
    assert!(!pool_connections.contains(&report.main_connection));
    assert_eq!(connections.len(), pool_connections.len() + 1);
    assert!(!has_connection());
}

#[test]
fn a_connection_stays_on_its_thread_and_is_reused_there() {
    let db = TempDb::new("stays");
    let settings = db.settings();
    settings.sync_scope(|| {
        let mine = with_connection(|c| Ok(c.id)).unwrap();
        assert_eq!(with_connection(|c| Ok(c.id)).unwrap(), mine, "reused");

        // A thread that carries the context gets the database path, not the connection.
        let (had_one, theirs) =
            ctxlocal::thread::spawn(|| (has_connection(), with_connection(|c| Ok(c.id)).unwrap()))
                .join()
                .unwrap();
        assert!(!had_one);
        assert_ne!(theirs, mine);

        // Nor does a blocking-pool thread reached through `sync_to_async`; a later call that
        // lands on the same (only) pool thread finds the connection it left there.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .max_blocking_threads(1)
            .build()
            .unwrap();
        let [(first_had, first), (second_had, second)] = runtime.block_on(async {
            let probe = || (has_connection(), with_connection(|c| Ok(c.id)).unwrap());
            [
                ctxlocal::sync_to_async(probe).await,
                ctxlocal::sync_to_async(probe).await,
            ]
        });
        assert!(!first_had);
        assert!(second_had);
        assert_eq!(first, second);
        assert!(first != mine && first != theirs);

        // This thread's connection is still its own.
        assert_eq!(with_connection(|c| Ok(c.id)).unwrap(), mine);
        close_connection();
        assert!(!has_connection());
    });
}

#[test]
fn switching_databases_reopens_the_threads_connection() {
    let (first, second) = (TempDb::new("first"), TempDb::new("second"));
    let a = first
        .settings()
        .sync_scope(|| with_connection(|c| Ok(c.id)).unwrap());
    let b = second
        .settings()
        .sync_scope(|| with_connection(|c| Ok(c.id)).unwrap());
    // Each file has its own `connections` table, so both are the first connection there; what
    // matters is that the second one was really opened on the second file.
    assert_eq!((a, b), (1, 1));
    let count = |db: &TempDb| -> i64 {
        Connection::open(&db.0)
            .unwrap()
            .query_row("SELECT count(*) FROM connections", [], |row| row.get(0))
            .unwrap()
    };
    assert_eq!((count(&first), count(&second)), (1, 1));
    close_connection();
}
