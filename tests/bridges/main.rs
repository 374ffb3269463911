//! The sync/async bridges (D5-D7), the conformance suite ported from asgiref's
//! `tests/test_local.py`, and thread-critical mode (T1-T5).

#[path = "../support/mod.rs"]
mod support;

mod asgiref_conformance;
mod asgiref_sync_conformance;
mod bridges;
mod lazy_init;
mod thread_critical;
mod thread_sensitive;
