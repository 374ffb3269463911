//! `ctxlocal::tracing::TraceFieldsFormat` (feature `tracing`, rule O1): `#[local(trace)]`
//! fields appear on every log event emitted inside a context, with their value at the moment
//! of the event, through `tracing-subscriber`'s own `FormatEvent` extension point: with their
//! types in JSON, escaped by the formatter, never under a key the line already has, with every
//! formatter and its settings.
#![cfg(feature = "tracing")]

use ctxlocal::async_local;
use ctxlocal::tracing::TraceFieldsFormat;

use crate::support;
use support::{Captured, keys_as_written};

#[async_local]
struct RequestCtx {
    #[local(trace)]
    request_id: String,
    #[local(trace)]
    user: Option<u64>,
    not_traced: String,
}

/// Values of every type the formatters record natively.
#[async_local]
struct Typed {
    #[local(trace)]
    small: i8,
    #[local(trace)]
    big: u64,
    #[local(trace)]
    ratio: f64,
    #[local(trace)]
    admin: bool,
    #[local(trace)]
    name: std::sync::Arc<str>,
    #[local(trace)]
    addr: std::net::Ipv4Addr,
    #[local(trace)]
    missing: Option<u32>,
}

fn text_subscriber(captured: &Captured, ansi: bool) -> impl tracing::Subscriber + Send + Sync {
    let captured = captured.clone();
    tracing_subscriber::fmt()
        .without_time()
        .with_target(false)
        .with_ansi(ansi)
        .map_event_format(TraceFieldsFormat::new)
        .with_writer(move || captured.clone())
        .finish()
}

fn json(line: &str) -> serde_json::Value {
    support::json_line(line)
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
            r#" INFO started step=1 request_id="req-1""#,
            r#" WARN authenticated request_id="req-1" user=42"#,
            r#" INFO logged out request_id="req-1""#,
        ]
    );
}

#[test]
fn json_keeps_each_type_and_leaves_a_none_option_out() {
    let captured = Captured::default();
    let subscriber = {
        let captured = captured.clone();
        tracing_subscriber::fmt()
            .json()
            .without_time()
            .map_event_format(TraceFieldsFormat::new)
            .with_writer(move || captured.clone())
            .finish()
    };
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!("outside");
        RequestCtx::set_request_id("quote\" and \\ backslash\n\u{1}\u{e9}".into());
        RequestCtx::set_user(Some(7));
        Typed {
            small: -3,
            big: u64::MAX,
            ratio: 0.25,
            admin: true,
            name: "ada".into(),
            addr: std::net::Ipv4Addr::LOCALHOST,
            missing: None,
        }
        .set();
        tracing::info!(order = 3, "placed");
    });
    let lines = captured.lines();
    let outside = json(&lines[0]);
    let inside = json(&lines[1]);
    assert!(outside["fields"].get("request_id").is_none(), "{outside}");
    let fields = &inside["fields"];
    assert_eq!(
        fields["request_id"],
        "quote\" and \\ backslash\n\u{1}\u{e9}"
    );
    assert_eq!(fields["user"], 7);
    assert_eq!(fields["small"], -3);
    assert_eq!(fields["big"], u64::MAX);
    assert_eq!(fields["ratio"], 0.25);
    assert_eq!(fields["admin"], true);
    assert_eq!(fields["name"], "ada");
    assert_eq!(fields["addr"], "127.0.0.1");
    assert!(fields.get("missing").is_none(), "{fields}");
    assert!(fields.get("not_traced").is_none(), "{fields}");
    assert_eq!(fields["order"], 3);
    assert_eq!(fields["message"], "placed");
    // The context adds nothing beside the formatter's own keys.
    let keys = keys_as_written(&lines[1]);
    assert_eq!(keys, ["level", "fields", "target"]);
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
fn flattened_json_with_every_setting_never_has_a_key_twice() {
    let captured = Captured::default();
    let subscriber = {
        let captured = captured.clone();
        tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(true)
            .with_thread_names(true)
            .with_file(true)
            .with_line_number(true)
            .map_event_format(TraceFieldsFormat::new)
            .with_writer(move || captured.clone())
            .finish()
    };
    let line = std::thread::Builder::new()
        .name("worker-1".into())
        .spawn(move || {
            tracing::subscriber::with_default(subscriber, || {
                set_clashing_fields();
                RequestCtx::set_user(Some(5));
                tracing::info_span!("request", id = 1).in_scope(|| {
                    tracing::info!(order = 3, "placed");
                });
            });
            captured.lines().remove(0)
        })
        .unwrap()
        .join()
        .unwrap();
    let line = json(&line);
    // What the formatter and the event wrote win; the context's fields go under `ctx.`.
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["ctx.level"], "ctx-level");
    assert_eq!(line["target"], module_path!());
    assert_eq!(line["ctx.target"], "ctx-target");
    assert_eq!(line["message"], "placed");
    assert_eq!(line["order"], 3, "the event's own field wins");
    assert_eq!(line["ctx.order"], "ctx-order");
    assert_eq!(line["ctx.fields"], "ctx-fields");
    assert_eq!(line["span"]["name"], "request");
    assert_eq!(line["span"]["id"], 1);
    assert_eq!(line["ctx.span"], "ctx-span");
    assert_eq!(line["spans"][0]["name"], "request");
    assert_eq!(line["ctx.spans"], "ctx-spans");
    assert_eq!(line["threadName"], "worker-1");
    assert_eq!(line["ctx.threadName"], "ctx-thread");
    assert!(line["timestamp"].is_string());
    assert_eq!(line["ctx.timestamp"], "ctx-timestamp");
    assert_eq!(line["filename"], file!());
    assert!(line["line_number"].is_u64());
    // A field that clashes with nothing keeps its name and type.
    assert_eq!(line["user"], 5);
}

#[test]
fn a_field_named_like_an_event_field_is_prefixed_in_nested_json_too() {
    let captured = Captured::default();
    let subscriber = {
        let captured = captured.clone();
        tracing_subscriber::fmt()
            .json()
            .without_time()
            .map_event_format(TraceFieldsFormat::new)
            .with_writer(move || captured.clone())
            .finish()
    };
    tracing::subscriber::with_default(subscriber, || {
        set_clashing_fields();
        tracing::info!(order = 3, "ctx.timestamp" = "the event's", "placed");
    });
    let line = json(&captured.lines()[0]);
    let fields = &line["fields"];
    assert_eq!(fields["order"], 3);
    assert_eq!(fields["ctx.order"], "ctx-order");
    assert_eq!(fields["ctx.level"], "ctx-level");
    assert_eq!(
        fields["ctx.timestamp"], "the event's",
        "the context's `timestamp` is left out: both its keys are taken"
    );
    assert!(!line.to_string().contains("ctx-timestamp"), "{line}");
}

#[test]
fn a_field_whose_prefixed_key_is_taken_too_is_left_out() {
    let captured = Captured::default();
    let subscriber = {
        let captured = captured.clone();
        tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .without_time()
            .map_event_format(TraceFieldsFormat::new)
            .with_writer(move || captured.clone())
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
    let first = json(&lines[0]);
    let second = json(&lines[1]);
    assert_eq!(
        (&first["level"], &first["ctx.level"]),
        (&"INFO".into(), &"ctx-level".into()),
        "the struct first written keeps `ctx.level`"
    );
    assert!(!lines[0].contains("second-level"), "{}", lines[0]);
    assert_eq!(second["ctx.level"], "second-level");
}

#[test]
fn compact_and_pretty_formats_get_the_fields_too() {
    let captured = Captured::default();
    let compact = {
        let captured = captured.clone();
        tracing_subscriber::fmt()
            .compact()
            .without_time()
            .with_target(false)
            .with_ansi(false)
            .map_event_format(TraceFieldsFormat::new)
            .with_writer(move || captured.clone())
            .finish()
    };
    tracing::subscriber::with_default(compact, || {
        RequestCtx::set_user(Some(9));
        tracing::info_span!("req", id = 2).in_scope(|| tracing::info!("compact"));
    });
    assert_eq!(captured.lines(), [" INFO req: compact user=9 id=2"]);

    let captured = Captured::default();
    let pretty = {
        let captured = captured.clone();
        tracing_subscriber::fmt()
            .pretty()
            .without_time()
            .with_ansi(false)
            .map_event_format(TraceFieldsFormat::new)
            .with_writer(move || captured.clone())
            .finish()
    };
    tracing::subscriber::with_default(pretty, || {
        RequestCtx::set_user(Some(10));
        tracing::info!("pretty");
    });
    let text = captured.text();
    assert!(text.contains("pretty"), "{text}");
    assert!(text.contains("user: 10"), "{text}");
}

#[test]
fn an_event_from_the_log_bridge_keeps_its_target_and_location() {
    let captured = Captured::default();
    let subscriber = {
        let captured = captured.clone();
        tracing_subscriber::fmt()
            .without_time()
            .with_ansi(false)
            .with_file(true)
            .with_line_number(true)
            .map_event_format(TraceFieldsFormat::new)
            .with_writer(move || captured.clone())
            .finish()
    };
    tracing::subscriber::with_default(subscriber, || {
        RequestCtx::set_user(Some(11));
        let record = log::Record::builder()
            .args(format_args!("from log"))
            .level(log::Level::Warn)
            .target("legacy::db")
            .module_path_static(Some("legacy::db"))
            .file_static(Some("src/db.rs"))
            .line(Some(12))
            .build();
        tracing_log::format_trace(&record).unwrap();
    });
    assert_eq!(
        captured.lines(),
        [" WARN legacy::db: src/db.rs:12: from log user=11"]
    );
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
            assert!(
                line.ends_with(&format!(" request_id=\"req-{n}\"")),
                "{line}"
            );
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
    assert!(
        line.ends_with("request_id\u{1b}[0m\u{1b}[2m=\u{1b}[0m\"req-ansi\""),
        "{line:?}"
    );
}
