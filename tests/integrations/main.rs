//! The integrations: `tower` (`ScopeLayer`), `tracing` (`TraceFieldsFormat`), and `baggage`
//! with tower's layers and against OpenTelemetry's propagator.

#[path = "../support/mod.rs"]
mod support;

mod baggage_interop;
mod baggage_layers;
mod edges_context_ext;
mod edges_executors;
mod edges_rayon;
mod edges_response_bodies;
mod tower_layer;
mod tracing_fields;
