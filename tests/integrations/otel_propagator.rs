//! Rule O4: `ctxlocal::otel::FieldsPropagator`, an OpenTelemetry `TextMapPropagator` for the
//! `#[local(propagate)]` fields, against `opentelemetry_sdk` 0.33's own propagators, both
//! ways: what it writes OpenTelemetry's `BaggagePropagator` reads, what that one writes it
//! reads; with `TraceContextPropagator` and `BaggagePropagator` in one composite there is one
//! `baggage` entry; other systems' members pass through a service untouched.
#![cfg(all(feature = "tokio", feature = "opentelemetry"))]

use std::collections::{BTreeMap, HashMap};

use ctxlocal::otel::FieldsPropagator;
use ctxlocal::{Context, async_local};
use opentelemetry::baggage::{Baggage as OtelBaggage, BaggageExt};
use opentelemetry::propagation::{TextMapCompositePropagator, TextMapPropagator};
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};

#[async_local]
struct Order {
    #[local(propagate = "order.id")]
    id: u64,
    #[local(propagate = "order.tenant")]
    tenant: String,
    /// Never sent.
    card: String,
}

type Carrier = HashMap<String, String>;

fn order(tenant: &str) -> Order {
    Order {
        id: 77,
        tenant: tenant.into(),
        card: "4242".into(),
    }
}

/// An OpenTelemetry context whose baggage holds other systems' members: (key, value, metadata).
fn foreign(members: &[(&str, &str, &str)]) -> opentelemetry::Context {
    let mut baggage = OtelBaggage::new();
    for &(key, value, metadata) in members {
        let _ = baggage.insert_with_metadata(key.to_owned(), value.to_owned(), metadata);
    }
    assert_eq!(baggage.len(), members.len());
    opentelemetry::Context::new().with_baggage(baggage)
}

/// The members of `cx`'s baggage: key -> (value, metadata).
fn members(cx: &opentelemetry::Context) -> BTreeMap<String, (String, String)> {
    cx.baggage()
        .iter()
        .map(|(key, (value, metadata))| {
            let entry = (value.as_str().to_owned(), metadata.as_str().to_owned());
            (key.as_str().to_owned(), entry)
        })
        .collect()
}

fn entry(value: &str, metadata: &str) -> (String, String) {
    (value.to_owned(), metadata.to_owned())
}

/// The typed fields in the ctxlocal context made from `cx`.
fn fields(cx: &opentelemetry::Context) -> (Option<u64>, Option<String>, Option<String>) {
    ctxlocal::otel::extract(cx).run(|| (Order::id(), Order::tenant(), Order::card()))
}

/// Tenants that exercise the encoding (OpenTelemetry trims what it reads, so no value here
/// starts or ends with a space; see baggage_interop.rs for that difference).
const TENANTS: &[&str] = &[
    "acme",
    "acme corp",
    "a,b;c",
    "k=v==",
    "100% \"real\"",
    "caf\u{e9} \u{6771}\u{4eac} \u{1F600}",
    "C:\\dir",
    "",
];

#[test]
fn opentelemetry_reads_the_fields_and_the_foreign_members_it_writes() {
    let cx = foreign(&[("vendor", "opaque value", "ttl=3;p"), ("other", "1", "")]);
    for &tenant in TENANTS {
        let mut carrier = Carrier::new();
        Context::empty()
            .with(order(tenant))
            .run(|| FieldsPropagator::new().inject_context(&cx, &mut carrier));
        assert_eq!(carrier.len(), 1, "{carrier:?}");
        let read = members(&BaggagePropagator::new().extract(&carrier));
        assert_eq!(
            read,
            BTreeMap::from([
                ("order.id".to_owned(), entry("77", "")),
                ("order.tenant".to_owned(), entry(tenant, "")),
                ("vendor".to_owned(), entry("opaque value", "ttl=3;p")),
                ("other".to_owned(), entry("1", "")),
            ]),
            "{tenant:?} sent as {carrier:?}"
        );
    }
}

#[test]
fn the_fields_and_foreign_members_opentelemetry_writes_are_read() {
    for &tenant in TENANTS {
        if tenant.contains(['%', '\\', '=']) {
            // OpenTelemetry writes `%` and `\` unescaped (invalid baggage, dropped by us), and
            // splits its own reading at `=`: see baggage_interop.rs.
            continue;
        }
        let cx = foreign(&[
            ("order.id", "77", ""),
            ("order.tenant", tenant, ""),
            ("vendor", "opaque", "ttl=3"),
        ]);
        let mut carrier = Carrier::new();
        BaggagePropagator::new().inject_context(&cx, &mut carrier);
        let extracted = FieldsPropagator::new().extract(&carrier);
        assert_eq!(
            fields(&extracted),
            (Some(77), Some(tenant.to_owned()), None),
            "{tenant:?} sent as {carrier:?}"
        );
        assert_eq!(
            members(&extracted)["vendor"],
            entry("opaque", "ttl=3"),
            "{carrier:?}"
        );
    }
}

fn span_context() -> SpanContext {
    SpanContext::new(
        TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
        SpanId::from_hex("00f067aa0ba902b7").unwrap(),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    )
}

#[test]
fn with_trace_context_and_baggage_propagators_there_is_one_baggage_entry() {
    let composite = TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
        Box::new(FieldsPropagator::new()),
    ]);
    let cx = foreign(&[("vendor", "x", "p")]).with_remote_span_context(span_context());
    let mut carrier = Carrier::new();
    Context::empty()
        .with(order("acme"))
        .run(|| composite.inject_context(&cx, &mut carrier));
    let mut keys: Vec<_> = carrier.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["baggage", "traceparent", "tracestate"]);
    assert_eq!(
        carrier["baggage"], "order.id=77,order.tenant=acme,vendor=x;p",
        "ours replaces the entry `BaggagePropagator` wrote, which it contains"
    );

    let extracted = composite.extract(&carrier);
    assert_eq!(
        extracted.span().span_context().trace_id(),
        span_context().trace_id()
    );
    assert_eq!(fields(&extracted), (Some(77), Some("acme".into()), None));
    assert_eq!(members(&extracted)["vendor"], entry("x", "p"));
    assert_eq!(
        FieldsPropagator::new().fields().collect::<Vec<_>>(),
        ["baggage"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_members_pass_through_a_service_and_its_child_tasks() {
    // What service B receives from service A.
    let mut incoming = Carrier::new();
    incoming.insert(
        "baggage".into(),
        "order.id=77,order.tenant=acme, vendor = opaque ; prop ;k=v,legacy=a%20b".into(),
    );
    let propagator = FieldsPropagator::new();
    let otel_cx = propagator.extract(&incoming);
    let handler = async {
        assert_eq!(Order::id(), Some(77));
        Order::set_tenant("acme-eu".into());
        // Service B calls service C, from the handler and from a child task.
        let mut direct = Carrier::new();
        propagator.inject(&mut direct);
        let child = ctxlocal::spawn(async {
            tokio::task::yield_now().await;
            let mut carrier = Carrier::new();
            FieldsPropagator::new().inject(&mut carrier);
            carrier
        });
        (direct, child.await.unwrap())
    };
    let (direct, from_child) = ctxlocal::otel::extract(&otel_cx)
        .scope(opentelemetry::context::FutureExt::with_context(
            handler,
            otel_cx.clone(),
        ))
        .await;
    let expected = "order.id=77,order.tenant=acme-eu,legacy=a%20b,vendor=opaque;prop;k=v";
    assert_eq!(direct["baggage"], expected);
    assert_eq!(from_child["baggage"], expected);
}

#[test]
fn without_a_baggage_entry_the_context_is_returned_as_it_was() {
    let cx = foreign(&[("kept", "1", "")]);
    let extracted = FieldsPropagator::new().extract_with_context(&cx, &Carrier::new());
    assert_eq!(
        members(&extracted),
        BTreeMap::from([("kept".to_owned(), entry("1", ""))])
    );
    assert_eq!(fields(&extracted), (None, None, None));
}

#[test]
fn invalid_members_are_dropped_alone() {
    let mut carrier = Carrier::new();
    carrier.insert(
        "baggage".into(),
        "order.id=77,bad key=1,order.tenant=%zz,vendor=ok".into(),
    );
    let extracted = FieldsPropagator::new().extract(&carrier);
    assert_eq!(fields(&extracted), (Some(77), None, None));
    assert_eq!(
        members(&extracted),
        BTreeMap::from([
            ("order.id".to_owned(), entry("77", "")),
            ("vendor".to_owned(), entry("ok", "")),
        ])
    );
}
