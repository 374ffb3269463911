//! `ctxlocal::baggage` (feature `baggage`): the W3C Baggage header, parsed and written, and what
//! `inject`/`extract` send and receive.
//!
//! Every struct of a test binary with `#[local(propagate)]` fields takes part in that binary's
//! baggage: keys are chosen so that no module sees another's fields.

mod baggage_parsing;
mod baggage_propagation;
