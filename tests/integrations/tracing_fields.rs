//! `ctxlocal::tracing::ContextWriter` (feature `tracing`): `#[local(trace)]` fields appear on
//! every log event emitted inside a context, with their value at the moment of the event, in
//! text and JSON output, with no parameter passing.
#![cfg(feature = "tracing")]

use ctxlocal::async_local;
use ctxlocal::tracing::ContextWriter;

use crate::support;
use support::Captured;

#[async_local]
struct RequestCtx {
    #[local(trace)]
    request_id: String,
    #[local(trace)]
    user: Option<u64>,
    not_traced: String,
}

fn text_subscriber(captured: &Captured, ansi: bool) -> impl tracing::Subscriber + Send + Sync {
    let captured = captured.clone();
    tracing_subscriber::fmt()
        .without_time()
        .with_target(false)
        .with_ansi(ansi)
        .with_writer(ContextWriter::text(move || captured.clone()))
        .finish()
}

#[test]
fn text_lines_carry_the_fields_set_at_the_moment_of_each_event() {
    let captured = Captured::default();
    tracing::subscriber::with_default(text_subscriber(&captured, false), || {
        tracing::info!("before any context value");
        RequestCtx::set_request_id("req-1".into());
        RequestCtx::set_not_traced("secret".into());
        tracing::info!(step = 1, "started");
        RequestCtx::set_user(Some(42));
        tracing::warn!("authenticated");
        RequestCtx::take_user();
        tracing::info!("logged out");
    });
    assert_eq!(
        captured.lines(),
        [
            " INFO before any context value",
            " INFO started step=1 request_id=req-1",
            " WARN authenticated request_id=req-1 user=42",
            " INFO logged out request_id=req-1",
        ]
    );
}

#[test]
fn json_objects_get_the_fields_as_keys() {
    let captured = Captured::default();
    let subscriber = {
        let captured = captured.clone();
        tracing_subscriber::fmt()
            .json()
            .without_time()
            .with_writer(ContextWriter::json(move || captured.clone()))
            .finish()
    };
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!("outside");
        RequestCtx::set_request_id("quote\" and \\ backslash".into());
        RequestCtx::set_user(Some(7));
        tracing::info!(order = 3, "placed");
    });
    let lines = captured.lines();
    let outside: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    let inside: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
    assert!(outside.get("request_id").is_none());
    assert_eq!(inside["request_id"], "quote\" and \\ backslash");
    assert_eq!(inside["user"], "7");
    assert_eq!(inside["fields"]["order"], 3);
    assert_eq!(inside["fields"]["message"], "placed");
    assert!(inside.get("not_traced").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_tasks_log_their_own_values() {
    let captured = Captured::default();
    let subscriber = text_subscriber(&captured, false);
    let dispatch = tracing::Dispatch::new(subscriber);
    let handles: Vec<_> = (0..200)
        .map(|n| {
            let dispatch = dispatch.clone();
            ctxlocal::spawn(async move {
                RequestCtx::set_request_id(format!("req-{n}"));
                tokio::task::yield_now().await;
                tracing::dispatcher::with_default(&dispatch, || {
                    tracing::info!(n, "handled");
                });
                // A plain tokio task carries nothing, so its events carry nothing.
                let dispatch = dispatch.clone();
                tokio::spawn(async move {
                    tracing::dispatcher::with_default(&dispatch, || {
                        tracing::info!(n, "untracked");
                    });
                })
                .await
                .unwrap();
            })
        })
        .collect();
    for handle in handles {
        handle.await.unwrap();
    }
    let lines = captured.lines();
    assert_eq!(lines.len(), 400);
    for line in lines {
        let n: u64 = line
            .split("n=")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .unwrap()
            .parse()
            .unwrap();
        if line.contains("handled") {
            assert!(line.ends_with(&format!(" request_id=req-{n}")), "{line}");
        } else {
            assert!(!line.contains("request_id"), "{line}");
        }
    }
}

#[test]
fn ansi_colours_are_kept() {
    let captured = Captured::default();
    tracing::subscriber::with_default(text_subscriber(&captured, true), || {
        RequestCtx::set_request_id("req-ansi".into());
        tracing::error!("coloured");
    });
    let line = &captured.lines()[0];
    assert!(line.contains('\u{1b}'), "{line:?}");
    assert!(line.ends_with(" request_id=req-ansi"), "{line:?}");
}
