//! The reliability suite (RELIABILITY.md): random programs against a reference model, stress,
//! panics in every closure, cancellation at every await point, reentrant accessors, and the
//! load test of the axum example.

#[path = "../support/mod.rs"]
mod support;

mod cancellation;
mod load;
mod model;
mod panics;
mod reentrancy;
mod stress;
