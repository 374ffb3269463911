//! The integrations: `tower` (`ScopeLayer`), `tracing` (`ContextWriter`), and `baggage` with
//! tower's layers and against OpenTelemetry's propagator.

#[path = "../support/mod.rs"]
mod support;

mod baggage_interop;
mod baggage_layers;
mod tower_layer;
mod tracing_fields;
