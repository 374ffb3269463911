//! The integrations: `tower` (`ScopeLayer`), the edges where work runs (`ContextExt`, executors,
//! rayon, response bodies), `tracing` (`TraceFieldsFormat`, carried spans), OpenTelemetry
//! (`FieldsPropagator` against the SDK and over gRPC, `TraceFieldsProcessor`), `log`
//! (`TraceFieldsLogger`), and `baggage` with tower's layers and against OpenTelemetry's
//! propagator.

#[path = "../support/mod.rs"]
mod support;

mod baggage_interop;
mod baggage_layers;
mod carried_spans;
mod edges_context_ext;
mod edges_executors;
mod edges_rayon;
mod edges_response_bodies;
mod log_fields;
mod otel_grpc;
mod otel_propagator;
mod otel_spans;
mod tower_layer;
mod tracing_fields;
