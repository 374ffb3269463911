//! The isolation rules of the default mode, D1-D14 (crate documentation, "The rules"): one
//! module per topic, each pinning the rules it is named after.

#[path = "../support/mod.rs"]
mod support;

mod copy_on_write;
mod debug_view;
mod drops;
mod explicit_carry;
mod independent_structs;
mod inheritance;
mod isolation;
mod no_inherit;
mod same_task;
mod scopes;
mod strict_mode;
mod thread_exit;
mod threads;
mod unset;
mod untracked;
