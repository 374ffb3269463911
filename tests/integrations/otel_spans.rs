//! Rule O2: with `ctxlocal::otel::TraceFieldsProcessor` in the tracer provider, spans started
//! inside a context carry its `#[local(trace)]` fields as attributes, with their types, for
//! `tracing` spans exported through `tracing-opentelemetry` and spans of the OpenTelemetry API
//! alike, as OpenTelemetry's in-memory exporter receives them.
#![cfg(all(feature = "tokio", feature = "tracing", feature = "opentelemetry"))]

use ctxlocal::async_local;
use ctxlocal::otel::TraceFieldsProcessor;
use opentelemetry::trace::{Tracer as _, TracerProvider as _};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use tracing_subscriber::layer::SubscriberExt;

#[async_local]
struct Checkout {
    #[local(trace)]
    cart_id: String,
    #[local(trace)]
    customer: Option<u64>,
    #[local(trace)]
    express: bool,
    #[local(trace)]
    total: f64,
    #[local(trace)]
    huge: u64,
    untraced: String,
}

/// A provider with the processor, exporting to memory; and a subscriber sending `tracing`
/// spans to it.
fn setup() -> (
    InMemorySpanExporter,
    SdkTracerProvider,
    impl tracing::Subscriber + Send + Sync,
) {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(TraceFieldsProcessor::new())
        .with_simple_exporter(exporter.clone())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("otel_spans")));
    (exporter, provider, subscriber)
}

/// The attributes of the finished span named `name`, without those the `tracing` layer adds
/// about the code and the timings (`code.*`, `thread.*`, `target`, `level`, `*_ns`).
fn attributes(spans: &[SpanData], name: &str) -> Vec<KeyValue> {
    let span = spans
        .iter()
        .find(|span| span.name == name)
        .unwrap_or_else(|| panic!("no span {name} in {spans:#?}"));
    span.attributes
        .iter()
        .filter(|kv| {
            let key = kv.key.as_str();
            !(key.starts_with("code.")
                || key.starts_with("thread.")
                || key.ends_with("_ns")
                || key == "target"
                || key == "level")
        })
        .cloned()
        .collect()
}

fn checkout() -> Checkout {
    Checkout {
        cart_id: "cart-\"7\"".into(),
        customer: Some(42),
        express: true,
        total: 19.5,
        huge: u64::MAX,
        untraced: "secret".into(),
    }
}

#[test]
fn tracing_spans_started_in_a_context_carry_its_fields_with_their_types() {
    let (exporter, _provider, subscriber) = setup();
    tracing::subscriber::with_default(subscriber, || {
        tracing::info_span!("before").in_scope(|| {});
        checkout().set();
        tracing::info_span!("checkout", step = 2).in_scope(|| {
            tracing::info_span!("payment").in_scope(|| {});
        });
        Checkout::set_customer(None);
        tracing::info_span!("anonymous").in_scope(|| {});
    });
    let spans = exporter.get_finished_spans().unwrap();
    assert_eq!(attributes(&spans, "before"), []);
    let expected = [
        KeyValue::new("cart_id", "cart-\"7\""),
        KeyValue::new("customer", 42),
        KeyValue::new("express", true),
        KeyValue::new("total", 19.5),
        KeyValue::new("huge", u64::MAX.to_string()),
    ];
    let mut checkout = expected.to_vec();
    checkout.insert(0, KeyValue::new("step", 2));
    assert_eq!(attributes(&spans, "checkout"), checkout);
    assert_eq!(attributes(&spans, "payment"), expected);
    let anonymous = attributes(&spans, "anonymous");
    assert!(
        anonymous.iter().all(|kv| kv.key.as_str() != "customer"),
        "a `None` field is left out: {anonymous:?}"
    );
    assert_eq!(anonymous.len(), expected.len() - 1);
    let typed = |key: &str| {
        attributes(&spans, "payment")
            .into_iter()
            .find(|kv| kv.key.as_str() == key)
            .unwrap()
            .value
    };
    assert!(matches!(typed("customer"), Value::I64(42)));
    assert!(matches!(typed("express"), Value::Bool(true)));
    assert!(matches!(typed("total"), Value::F64(_)));
}

#[test]
fn a_spans_own_attribute_wins_over_a_field_of_the_same_name() {
    let (exporter, _provider, subscriber) = setup();
    tracing::subscriber::with_default(subscriber, || {
        Checkout::set_customer(Some(42));
        Checkout::set_express(false);
        tracing::info_span!(
            "own",
            customer = 1,
            express = "own",
            "ctx.express" = "taken"
        )
        .in_scope(|| {});
    });
    let spans = exporter.get_finished_spans().unwrap();
    assert_eq!(
        attributes(&spans, "own"),
        [
            KeyValue::new("customer", 1),
            KeyValue::new("express", "own"),
            KeyValue::new("ctx.express", "taken"),
            KeyValue::new("ctx.customer", 42),
        ],
        "`express` is left out: both its keys are taken"
    );
}

#[test]
fn spans_of_the_opentelemetry_api_carry_the_fields_too() {
    let (exporter, provider, _) = setup();
    let tracer = provider.tracer("api");
    Checkout::set_cart_id("cart-api".into());
    tracer.in_span("api", |_| {});
    let spans = exporter.get_finished_spans().unwrap();
    assert_eq!(
        attributes(&spans, "api"),
        [KeyValue::new("cart_id", "cart-api")]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_tasks_export_spans_with_their_own_values() {
    let (exporter, _provider, subscriber) = setup();
    let dispatch = tracing::Dispatch::new(subscriber);
    let tasks: Vec<_> = (0..100u64)
        .map(|n| {
            let dispatch = dispatch.clone();
            ctxlocal::spawn(async move {
                Checkout::set_customer(Some(n));
                tokio::task::yield_now().await;
                tracing::dispatcher::with_default(&dispatch, || {
                    tracing::info_span!("task", n).in_scope(|| {});
                });
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let spans = exporter.get_finished_spans().unwrap();
    assert_eq!(spans.len(), 100);
    for span in &spans {
        let value = |key: &str| {
            span.attributes
                .iter()
                .find(|kv| kv.key.as_str() == key)
                .map(|kv| kv.value.to_string())
        };
        // (`tracing-opentelemetry` records a `u64` as text, ctxlocal as an `i64` when it fits.)
        assert_eq!(value("n"), value("customer"), "{span:#?}");
    }
}
