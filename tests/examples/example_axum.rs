//! `examples/axum_request_id.rs`, served on a loopback port and called with a real HTTP
//! client: every layer of the handler (service, repository, the blocking "database" call, the
//! spawned audit task, the response middleware) sees its own request's id and user, and every
//! log line the request writes carries them.
#![cfg(all(feature = "tokio", feature = "tower", feature = "tracing"))]

#[path = "../../examples/axum_request_id.rs"]
#[allow(dead_code)]
mod axum_request_id;
use crate::support;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum_request_id::{LOG_LINES_PER_REQUEST, PLACES, RequestCtx, client, fetch, start};
use support::{Captured, json_line};

/// What the process-wide subscriber has written. Tests in this file run in parallel and share
/// it, so each uses its own range of order numbers and looks only at those lines.
fn logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        tracing::subscriber::set_global_default(axum_request_id::subscriber(move || {
            writer.clone()
        }))
        .expect("no other global subscriber in this test binary");
        captured
    })
}

/// The captured JSON lines whose `order` field is in `orders`, by order number (each checked
/// to have no key twice).
fn lines_for(orders: std::ops::Range<u64>) -> BTreeMap<u64, Vec<serde_json::Value>> {
    let mut by_order = BTreeMap::<u64, Vec<serde_json::Value>>::new();
    for line in logs().lines() {
        let line = json_line(&line);
        if let Some(order) = line["order"].as_u64().filter(|n| orders.contains(n)) {
            by_order.entry(order).or_default().push(line);
        }
    }
    by_order
}

/// Asserts that `body` has one line per layer, each saying it saw `id` and `user`.
fn assert_body(body: &str, id: &str, user: &str) {
    let expected: Vec<String> = PLACES
        .iter()
        .map(|place| format!("{place} request_id={id} user={user}"))
        .collect();
    assert_eq!(body.lines().collect::<Vec<_>>(), expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_layer_sees_the_request_id_and_the_user_and_the_response_carries_the_id() {
    logs();
    let (addr, server) = start("127.0.0.1:0").await.unwrap();
    let reply = fetch(&client(1), addr, "/orders/1", Some("req-abc"), Some("ada"))
        .await
        .unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.request_id.as_deref(), Some("req-abc"));
    assert_body(&reply.body, "req-abc", "ada");
    server.abort();
}

/// Sends requests one after another on one keep-alive connection; returns each response's
/// `x-request-id` header and body.
async fn on_one_connection(addr: std::net::SocketAddr, paths: &[&str]) -> Vec<(String, String)> {
    use http_body_util::{BodyExt, Empty};
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    let connection = tokio::spawn(connection);
    let mut replies = Vec::new();
    for path in paths {
        sender.ready().await.unwrap();
        let request = http::Request::get(*path)
            .header("host", addr.to_string())
            .body(Empty::<axum::body::Bytes>::new())
            .unwrap();
        let response = sender.send_request(request).await.unwrap();
        let id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        replies.push((id, String::from_utf8(body.to_vec()).unwrap()));
    }
    drop(sender);
    connection.await.unwrap().unwrap();
    replies
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_id_is_generated_and_nothing_from_the_caller_or_the_connection_leaks_in() {
    logs();
    // The test's own context has values; the server's requests must not see them.
    RequestCtx::set_request_id("the test's own id".into());
    let (addr, server) = start("127.0.0.1:0").await.unwrap();
    // Two requests on the same connection (the same axum connection task).
    let replies = on_one_connection(addr, &["/orders/2", "/orders/3"]).await;
    let [(first_id, first_body), (second_id, second_body)] = &replies[..] else {
        panic!("{replies:?}")
    };
    assert!(first_id.starts_with("gen-"), "{first_id}");
    assert!(second_id.starts_with("gen-"), "{second_id}");
    assert_ne!(first_id, second_id);
    assert_body(first_body, first_id, "anonymous");
    assert_body(second_body, second_id, "anonymous");
    assert_eq!(
        RequestCtx::request_id().as_deref(),
        Some("the test's own id")
    );
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_and_their_log_lines_each_carry_their_own_id() {
    const ORDERS: std::ops::Range<u64> = 1_000..1_300;
    logs();
    let (addr, server) = start("127.0.0.1:0").await.unwrap();
    let client = client(32);
    let requests: Vec<_> = ORDERS
        .map(|order| {
            let client = client.clone();
            tokio::spawn(async move {
                let id = format!("req-{order}");
                let user = format!("user-{order}");
                let reply = fetch(
                    &client,
                    addr,
                    &format!("/orders/{order}"),
                    Some(&id),
                    Some(&user),
                )
                .await
                .unwrap();
                (id, user, reply)
            })
        })
        .collect();
    for request in requests {
        let (id, user, reply) = request.await.unwrap();
        assert_eq!(reply.status, 200);
        assert_eq!(reply.request_id.as_deref(), Some(id.as_str()));
        assert_body(&reply.body, &id, &user);
    }
    server.abort();

    // Every request wrote its lines, from the handler's task, the blocking pool and the audit
    // task, and each line carries the id and user of the request that wrote it.
    let lines = lines_for(ORDERS);
    assert_eq!(lines.len(), ORDERS.count());
    for (order, lines) in lines {
        assert_eq!(lines.len(), LOG_LINES_PER_REQUEST, "{lines:#?}");
        for line in &lines {
            assert_eq!(line["request_id"], format!("req-{order}"), "{line}");
            assert_eq!(line["user"], format!("user-{order}"), "{line}");
            assert_eq!(line["admin"], false, "{line}");
        }
        let sql = lines
            .iter()
            .find(|line| line["message"] == "query")
            .unwrap();
        assert_eq!(
            sql["sql"],
            format!("/* request_id=req-{order} */ SELECT * FROM orders WHERE id = {order}")
        );
    }
}

#[test]
fn outside_a_request_nothing_is_set() {
    assert_eq!(
        axum_request_id::seen("test"),
        "test request_id=<none> user=<none>"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_streamed_event_carries_its_requests_id_and_user() {
    logs();
    let (addr, server) = start("127.0.0.1:0").await.unwrap();
    let client = client(8);
    let handles: Vec<_> = (0..40u64)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move {
                let id = format!("ev-{n}");
                let user = format!("user-{n}");
                let path = format!("/orders/{n}/events");
                let reply = fetch(&client, addr, &path, Some(&id), Some(&user))
                    .await
                    .unwrap();
                (n, reply)
            })
        })
        .collect();
    for handle in handles {
        let (n, reply) = handle.await.unwrap();
        assert_eq!(reply.status, 200);
        let expected: String = (0..axum_request_id::EVENTS)
            .map(|i| format!("data: order {n} event {i} request_id=ev-{n} user=user-{n}\n\n"))
            .collect();
        assert_eq!(reply.body, expected, "request {n}");
    }
    server.abort();
}
