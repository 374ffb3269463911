//! The examples of `examples/` (all but `tour`), each run and checked against what it promises:
//! real servers on loopback ports, real SQLite files, real thread pools.

#[path = "../support/mod.rs"]
mod support;

mod example_axum;
mod example_db;
mod example_impersonate;
mod example_request_transaction;
mod example_thread_pool;
mod example_transaction;
mod example_two_services;
