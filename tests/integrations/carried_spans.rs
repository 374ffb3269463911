//! Rule O3: `ctxlocal::spawn`, `spawn_local`, `spawn_blocking` and `thread::spawn` carry the
//! current `tracing` span (with its subscriber) and the current OpenTelemetry `Context`, so a
//! child's events are inside its parent's span and its spans in its parent's trace; work
//! started with tokio or std directly carries neither.
#![cfg(all(feature = "tokio", feature = "tracing", feature = "opentelemetry"))]

use std::sync::OnceLock;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
use tracing::Instrument;
use tracing_subscriber::layer::SubscriberExt;

use crate::support::{self, Captured};

/// A subscriber writing JSON lines with the list of spans each event is in.
fn subscriber(captured: &Captured) -> impl tracing::Subscriber + Send + Sync {
    let captured = captured.clone();
    tracing_subscriber::fmt()
        .json()
        .without_time()
        .with_span_list(true)
        .with_current_span(false)
        .with_writer(move || captured.clone())
        .finish()
}

/// The names of the spans the event on `line` is in, outermost first.
fn spans_of(line: &str) -> Vec<String> {
    let line = support::json_line(line);
    line.get("spans")
        .and_then(|spans| spans.as_array())
        .map(|spans| {
            spans
                .iter()
                .map(|span| span["name"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The message and the spans of each captured event, in order.
fn events(captured: &Captured) -> Vec<(String, Vec<String>)> {
    captured
        .lines()
        .iter()
        .map(|line| {
            let message = support::json_line(line)["fields"]["message"]
                .as_str()
                .unwrap()
                .to_owned();
            (message, spans_of(line))
        })
        .collect()
}

#[test]
fn spawned_tasks_blocking_closures_and_threads_log_inside_the_spawners_span() {
    let captured = Captured::default();
    // A scoped subscriber: tokio's worker threads and new threads do not have it, so the
    // children's events reach it only because the span's subscriber is carried with the span.
    tracing::subscriber::with_default(subscriber(&captured), || {
        support::two_worker_runtime().block_on(
            async {
                let task = ctxlocal::spawn(async {
                    tokio::task::yield_now().await;
                    tracing::info!("in spawn");
                });
                let blocking = ctxlocal::spawn_blocking(|| tracing::info!("in spawn_blocking"));
                let thread = ctxlocal::thread::spawn(|| tracing::info!("in thread::spawn"));
                task.await.unwrap();
                blocking.await.unwrap();
                thread.join().unwrap();
                // Untracked work carries no span.
                tokio::spawn(async { tracing::info!("in tokio::spawn") })
                    .await
                    .unwrap();
                tokio::task::spawn_blocking(|| tracing::info!("in tokio spawn_blocking"))
                    .await
                    .unwrap();
            }
            .instrument(tracing::info_span!("request")),
        );
    });
    let mut events = events(&captured);
    events.sort();
    let request = vec!["request".to_owned()];
    assert_eq!(
        events,
        [
            ("in spawn".to_owned(), request.clone()),
            ("in spawn_blocking".to_owned(), request.clone()),
            ("in thread::spawn".to_owned(), request.clone()),
        ],
        "the untracked children's events went to no subscriber (it is not theirs)"
    );
}

#[test]
fn bridged_closures_log_inside_the_callers_span_on_the_pool_and_on_sync_threads() {
    let captured = Captured::default();
    tracing::subscriber::with_default(subscriber(&captured), || {
        // Awaited where the scoped subscriber is the default (as a global one is everywhere).
        support::two_worker_runtime().block_on(
            async {
                ctxlocal::sync_to_async(|| tracing::info!("in sync_to_async")).await;
                ctxlocal::sync_to_async(|| tracing::info!("in a thread-sensitive call"))
                    .thread_sensitive()
                    .await;
            }
            .instrument(tracing::info_span!("request")),
        )
    });
    let mut events = events(&captured);
    events.sort();
    let request = vec!["request".to_owned()];
    assert_eq!(
        events,
        [
            ("in a thread-sensitive call".to_owned(), request.clone()),
            ("in sync_to_async".to_owned(), request.clone()),
        ]
    );
}

#[test]
fn a_local_task_logs_inside_the_spawners_span_and_the_spawner_keeps_its_own() {
    let captured = Captured::default();
    tracing::subscriber::with_default(subscriber(&captured), || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let local = tokio::task::LocalSet::new();
        local.block_on(&runtime, async {
            let child = tracing::info_span!("outer").in_scope(|| {
                ctxlocal::spawn_local(async {
                    tokio::task::yield_now().await;
                    tracing::info!("child");
                })
            });
            tracing::info!("parent, outside the span");
            child.await.unwrap();
        });
    });
    assert_eq!(
        events(&captured),
        [
            ("parent, outside the span".to_owned(), vec![]),
            ("child".to_owned(), vec!["outer".to_owned()]),
        ]
    );
}

#[test]
fn nothing_is_carried_outside_a_span() {
    let captured = Captured::default();
    tracing::subscriber::with_default(subscriber(&captured), || {
        // Outside any span nothing is carried: the thread logs to its own default subscriber
        // (none here), as a plain `std::thread::spawn` would.
        ctxlocal::thread::spawn(|| tracing::info!("no span"))
            .join()
            .unwrap();
        tracing::info!("here");
    });
    assert_eq!(events(&captured), [("here".to_owned(), vec![])]);
}

/// A value in the OpenTelemetry context.
#[derive(Clone, Debug, PartialEq)]
struct Tenant(&'static str);

#[test]
fn the_opentelemetry_context_is_attached_in_every_child() {
    let runtime = support::two_worker_runtime();
    let _attached = opentelemetry::Context::current_with_value(Tenant("acme")).attach();
    let seen = runtime.block_on(async {
        let current = || opentelemetry::Context::current().get::<Tenant>().cloned();
        let task = ctxlocal::spawn(async move {
            tokio::task::yield_now().await;
            current()
        });
        let blocking = ctxlocal::spawn_blocking(current);
        let thread = ctxlocal::thread::spawn(current);
        let untracked = tokio::task::spawn_blocking(current);
        (
            task.await.unwrap(),
            blocking.await.unwrap(),
            thread.join().unwrap(),
            untracked.await.unwrap(),
        )
    });
    let acme = Some(Tenant("acme"));
    assert_eq!(seen, (acme.clone(), acme.clone(), acme, None));
}

/// The tracer provider of this file's tests, exporting to memory, and a subscriber sending
/// `tracing` spans to it.
fn otel() -> &'static (InMemorySpanExporter, SdkTracerProvider) {
    static OTEL: OnceLock<(InMemorySpanExporter, SdkTracerProvider)> = OnceLock::new();
    OTEL.get_or_init(|| {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        (exporter, provider)
    })
}

#[test]
fn a_childs_spans_are_in_the_spawners_trace() {
    let (exporter, provider) = otel();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("carried_spans")));
    tracing::subscriber::with_default(subscriber, || {
        support::two_worker_runtime().block_on(
            async {
                ctxlocal::spawn(async {
                    tracing::info_span!("carried.task").in_scope(|| {});
                })
                .await
                .unwrap();
                ctxlocal::spawn_blocking(|| {
                    tracing::info_span!("carried.blocking").in_scope(|| {})
                })
                .await
                .unwrap();
                tokio::task::spawn_blocking(|| {
                    tracing::info_span!("carried.untracked").in_scope(|| {})
                })
                .await
                .unwrap();
            }
            .instrument(tracing::info_span!("carried.parent")),
        );
    });
    let spans = exporter.get_finished_spans().unwrap();
    let find = |name: &str| {
        spans
            .iter()
            .find(|span| span.name == name)
            .unwrap_or_else(|| panic!("no span {name} in {spans:#?}"))
    };
    let parent = find("carried.parent");
    for child in ["carried.task", "carried.blocking"] {
        let child = find(child);
        assert_eq!(
            child.span_context.trace_id(),
            parent.span_context.trace_id()
        );
        assert_eq!(child.parent_span_id, parent.span_context.span_id());
    }
    assert!(
        spans.iter().all(|span| span.name != "carried.untracked"),
        "an untracked thread has no subscriber, so its span went nowhere"
    );
}
