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

/// Traced fields named like the keys `tracing_subscriber`'s JSON formatter writes, and like an
/// event field.
#[async_local]
#[allow(non_snake_case)] // `threadName`, as the formatter writes it
struct Clashing {
    #[local(trace)]
    timestamp: String,
    #[local(trace)]
    level: String,
    #[local(trace)]
    target: String,
    #[local(trace)]
    fields: String,
    #[local(trace)]
    span: String,
    #[local(trace)]
    spans: String,
    #[local(trace)]
    threadName: String,
    #[local(trace)]
    order: String,
}

/// A second struct tracing a field named like one of `Clashing`'s.
#[async_local]
struct AlsoLevel {
    #[local(trace)]
    level: String,
}

/// The top-level keys of the JSON object `line`, as written: duplicates included (a
/// `serde_json::Value` would keep only the last of them).
fn keys_as_written(line: &str) -> Vec<String> {
    use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};

    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = Vec<String>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<String>, A::Error> {
            let mut keys = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                map.next_value::<IgnoredAny>()?;
                keys.push(key);
            }
            Ok(keys)
        }
    }
    let mut deserializer = serde_json::Deserializer::from_str(line);
    let keys = deserializer.deserialize_map(Keys).unwrap();
    deserializer.end().unwrap();
    keys
}

fn assert_no_key_twice(line: &str) {
    let keys = keys_as_written(line);
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        keys.len(),
        "a key written twice: {keys:?} in {line}"
    );
}

fn set_clashing_fields() {
    Clashing {
        timestamp: "ctx-timestamp".into(),
        level: "ctx-level".into(),
        target: "ctx-target".into(),
        fields: "ctx-fields".into(),
        span: "ctx-span".into(),
        spans: "ctx-spans".into(),
        threadName: "ctx-thread".into(),
        order: "ctx-order".into(),
    }
    .set();
}

#[test]
fn json_line_never_has_duplicate_keys_when_a_field_is_named_like_a_formatter_key() {
    let captured = Captured::default();
    let subscriber = {
        let captured = captured.clone();
        tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .with_thread_names(true)
            .with_writer(ContextWriter::json(move || captured.clone()))
            .finish()
    };
    let line = std::thread::Builder::new()
        .name("worker-1".into())
        .spawn(move || {
            tracing::subscriber::with_default(subscriber, || {
                set_clashing_fields();
                tracing::info_span!("request", id = 1).in_scope(|| {
                    tracing::info!(order = 3, "placed");
                });
            });
            captured.lines().remove(0)
        })
        .unwrap()
        .join()
        .unwrap();
    assert_no_key_twice(&line);
    let line: serde_json::Value = serde_json::from_str(&line).unwrap();
    // What the formatter wrote wins; the context's fields go under `ctx.`.
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["ctx.level"], "ctx-level");
    assert_eq!(line["target"], module_path!());
    assert_eq!(line["ctx.target"], "ctx-target");
    assert_eq!(line["fields"]["message"], "placed");
    assert_eq!(line["fields"]["order"], 3);
    assert_eq!(line["ctx.fields"], "ctx-fields");
    assert_eq!(line["span"]["name"], "request");
    assert_eq!(line["ctx.span"], "ctx-span");
    assert_eq!(line["spans"][0]["name"], "request");
    assert_eq!(line["ctx.spans"], "ctx-spans");
    assert_eq!(line["threadName"], "worker-1");
    assert_eq!(line["ctx.threadName"], "ctx-thread");
    assert!(line["timestamp"].is_string());
    assert_eq!(line["ctx.timestamp"], "ctx-timestamp");
    // No clash without `flatten_event`: event fields are inside `fields`.
    assert_eq!(line["order"], "ctx-order");
}

#[test]
fn json_line_never_has_duplicate_keys_when_a_field_is_named_like_an_event_field() {
    let captured = Captured::default();
    let subscriber = {
        let captured = captured.clone();
        tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .without_time()
            .with_writer(ContextWriter::json(move || captured.clone()))
            .finish()
    };
    tracing::subscriber::with_default(subscriber, || {
        set_clashing_fields();
        tracing::info!(order = 3, message_id = 9, "placed");
    });
    let line = captured.lines().remove(0);
    assert_no_key_twice(&line);
    let line: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(line["order"], 3, "the event's own field wins");
    assert_eq!(line["ctx.order"], "ctx-order");
    assert_eq!(line["message"], "placed");
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["ctx.level"], "ctx-level");
    // Not written by this formatter, so not a clash.
    assert_eq!(line["timestamp"], "ctx-timestamp");
    assert_eq!(line["fields"], "ctx-fields");
}

#[test]
fn json_field_whose_prefixed_key_is_taken_too_is_left_out() {
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
        set_clashing_fields();
        AlsoLevel::set_level("second-level".into());
        tracing::info!("placed");
        // Alone, the second struct's field gets the prefixed key.
        Clashing::clear();
        tracing::info!("again");
    });
    let lines = captured.lines();
    assert_no_key_twice(&lines[0]);
    assert_no_key_twice(&lines[1]);
    let first: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    let second: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
    assert_eq!(
        (&first["level"], &first["ctx.level"]),
        (&"INFO".into(), &"ctx-level".into()),
        "the struct first written keeps `ctx.level`"
    );
    assert!(!lines[0].contains("second-level"), "{}", lines[0]);
    assert_eq!(second["ctx.level"], "second-level");
}

/// Shows differently with `Display` and `Debug`.
#[derive(Debug)]
struct Both;

impl std::fmt::Display for Both {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("shown-with-display")
    }
}

/// `Debug` only.
#[derive(Debug)]
struct DebugOnly {
    #[allow(dead_code)] // read by `Debug`
    code: u32,
}

#[async_local]
struct Shown {
    #[local(trace)]
    both: Both,
    #[local(trace)]
    debug_only: DebugOnly,
}

#[test]
fn a_traced_field_shows_with_display_if_its_type_has_it_else_with_debug() {
    let captured = Captured::default();
    tracing::subscriber::with_default(text_subscriber(&captured, false), || {
        Shown::set_both(Both);
        Shown::set_debug_only(DebugOnly { code: 7 });
        tracing::info!("shown");
    });
    assert_eq!(
        captured.lines(),
        [" INFO shown both=shown-with-display debug_only=DebugOnly { code: 7 }"]
    );
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
