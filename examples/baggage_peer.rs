//! The Rust side of `scripts/baggage_interop.py`, the check that OpenTelemetry JS and Python
//! read what `ctxlocal::otel::FieldsPropagator` writes and the other way round.
//!
//! It reads one JSON request per line on stdin and answers one JSON line on stdout:
//!
//! - `{"op":"inject","fields":{"request_id":"...","note":"...","user":42},"members":[["key","value","properties"]]}`
//!   sets the fields in a ctxlocal context (a missing or `null` one stays unset), puts the other
//!   members in the OpenTelemetry context's baggage, injects both with the propagator and
//!   answers `{"header":"..."}`;
//! - `{"op":"extract","header":"..."}` extracts the header with the propagator and answers
//!   `{"fields":{...},"members":[["key","value","properties"]]}`: the typed fields as ctxlocal
//!   reads them, and the other members of the extracted baggage, by key.
//!
//! ```sh
//! echo '{"op":"inject","fields":{"request_id":"a b"},"members":[]}' \
//!   | cargo run -q -p ctxlocal-tests --example baggage_peer
//! ```

use std::collections::HashMap;
use std::io::{BufRead, Write};

use ctxlocal::otel::FieldsPropagator;
use ctxlocal::{Context, async_local};
use opentelemetry::baggage::{Baggage, BaggageExt};
use opentelemetry::propagation::TextMapPropagator;
use serde_json::{Value, json};

#[async_local]
struct RequestCtx {
    #[local(propagate)]
    request_id: String,
    #[local(propagate)]
    note: String,
    #[local(propagate = "user.id", default)]
    user: Option<u64>,
}

const OURS: [&str; 3] = ["request_id", "note", "user.id"];

fn inject(request: &Value) -> Value {
    let fields = &request["fields"];
    let text = |name: &str| fields[name].as_str().map(str::to_owned);
    let ctx = RequestCtx {
        request_id: text("request_id").unwrap_or_default(),
        note: text("note").unwrap_or_default(),
        user: fields["user"].as_u64(),
    };
    let mut baggage = Baggage::new();
    for member in request["members"].as_array().into_iter().flatten() {
        let part = |i: usize| member[i].as_str().unwrap_or_default().to_owned();
        let _ = baggage.insert_with_metadata(part(0), part(1), part(2));
    }
    let otel_cx = opentelemetry::Context::new().with_baggage(baggage);
    let mut carrier = HashMap::new();
    Context::empty().with(ctx).run(|| {
        // Fields absent from the request stay unset.
        if text("request_id").is_none() {
            RequestCtx::take_request_id();
        }
        if text("note").is_none() {
            RequestCtx::take_note();
        }
        FieldsPropagator::new().inject_context(&otel_cx, &mut carrier);
    });
    json!({ "header": carrier.get("baggage") })
}

fn extract(request: &Value) -> Value {
    let mut carrier = HashMap::new();
    if let Some(header) = request["header"].as_str() {
        carrier.insert("baggage".to_owned(), header.to_owned());
    }
    let otel_cx = FieldsPropagator::new().extract(&carrier);
    let (request_id, note, user) = ctxlocal::otel::extract(&otel_cx).run(|| {
        (
            RequestCtx::request_id(),
            RequestCtx::note(),
            RequestCtx::user(),
        )
    });
    let mut members: Vec<[String; 3]> = otel_cx
        .baggage()
        .iter()
        .filter(|(key, _)| !OURS.contains(&key.as_str()))
        .map(|(key, (value, metadata))| {
            [
                key.to_string(),
                value.to_string(),
                metadata.as_str().to_owned(),
            ]
        })
        .collect();
    members.sort();
    json!({
        "fields": { "request_id": request_id, "note": note, "user": user },
        "members": members,
    })
}

fn main() {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin");
        if line.trim().is_empty() {
            continue;
        }
        let request: Value = serde_json::from_str(&line).expect("one JSON request per line");
        let answer = match request["op"].as_str() {
            Some("inject") => inject(&request),
            Some("extract") => extract(&request),
            other => json!({ "error": format!("unknown op {other:?}") }),
        };
        writeln!(out, "{answer}").expect("stdout");
        out.flush().expect("stdout");
    }
}
