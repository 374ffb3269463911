//! `examples/two_services.rs`, both services served on loopback ports and called with a real
//! HTTP client: B's handler reads A's request id and user from B's own typed context, carried
//! by the `baggage` header that A's client layer writes, and nothing else crosses over.
#![cfg(all(feature = "tower", feature = "baggage"))]

#[path = "../../examples/two_services.rs"]
#[allow(dead_code)]
mod two_services;

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::http::Request;
use http_body_util::{BodyExt, Empty};
use tokio::task::JoinSet;
use two_services::{checkout, http_client, service_a, service_b};

/// Starts B, then A calling B; returns (A, B).
async fn start_both() -> (SocketAddr, SocketAddr) {
    let (b, _) = service_b::start().await.unwrap();
    let (a, _) = service_a::start(b).await.unwrap();
    (a, b)
}

/// What A answers when B saw `id` and `user` and received `wire` as its baggage header.
fn expected(id: &str, user: Option<u64>, item: u64, wire: &str) -> String {
    let user = user.map_or("<none>".into(), |user| user.to_string());
    format!(
        "A: request_id={id} user={user}\n\
         B: request_id={id} user={user} reserved item {item}\n\
         B received baggage: {wire}"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b_reads_a_s_request_id_and_user_from_its_own_context() {
    let (a, _) = start_both().await;
    let body = checkout(&http_client(), a, 7, Some("req-7"), Some(42))
        .await
        .unwrap();
    assert_eq!(
        body,
        expected("req-7", Some(42), 7, "request.id=req-7,user.id=42")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anonymous_request_sends_no_user() {
    let (a, _) = start_both().await;
    let body = checkout(&http_client(), a, 8, Some("req-8"), None)
        .await
        .unwrap();
    assert_eq!(body, expected("req-8", None, 8, "request.id=req-8"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_id_with_reserved_characters_arrives_exactly() {
    let (a, _) = start_both().await;
    let id = "req 9, from a \"browser\"; 100%";
    let body = checkout(&http_client(), a, 9, Some(id), Some(1))
        .await
        .unwrap();
    assert_eq!(
        body,
        expected(
            id,
            Some(1),
            9,
            "request.id=req%209%2C%20from%20a%20%22browser%22%3B%20100%25,user.id=1"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_request_id_is_the_same_on_both_sides() {
    let (a, _) = start_both().await;
    let body = checkout(&http_client(), a, 3, None, Some(5)).await.unwrap();
    let first = body.lines().next().unwrap();
    let id = first
        .strip_prefix("A: request_id=")
        .and_then(|rest| rest.strip_suffix(" user=5"))
        .unwrap_or_else(|| panic!("{body}"));
    assert!(id.starts_with("gen-"), "{body}");
    assert_eq!(
        body,
        expected(id, Some(5), 3, &format!("request.id={id},user.id=5"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_requests_each_reach_b_with_their_own_values() {
    let (a, _) = start_both().await;
    let client = http_client();
    let mut requests = JoinSet::new();
    for n in 0..200u64 {
        let client = client.clone();
        requests.spawn(async move {
            let id = format!("req-{n}");
            let user = (n % 3 != 0).then_some(n);
            let body = checkout(&client, a, n, Some(&id), user).await.unwrap();
            (n, id, user, body)
        });
    }
    let mut done = 0;
    while let Some(result) = requests.join_next().await {
        let (n, id, user, body) = result.unwrap();
        let wire = match user {
            Some(user) => format!("request.id={id},user.id={user}"),
            None => format!("request.id={id}"),
        };
        assert_eq!(body, expected(&id, user, n, &wire));
        done += 1;
    }
    assert_eq!(done, 200);
}

/// `GET http://{b}/stock/{item}` straight to B, with the given `baggage` header.
async fn call_b(b: SocketAddr, item: u64, baggage: Option<&str>) -> String {
    let mut request = Request::get(format!("http://{b}/stock/{item}"));
    if let Some(value) = baggage {
        request = request.header("baggage", value);
    }
    let response = http_client()
        .request(request.body(Empty::<Bytes>::new()).unwrap())
        .await
        .unwrap();
    assert!(response.status().is_success());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(body.to_vec()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b_reads_baggage_from_any_sender_and_keeps_its_own_defaults_otherwise() {
    let (b, _) = service_b::start().await.unwrap();
    // Another system's header: extra entries, properties, whitespace, a second header value.
    assert_eq!(
        call_b(
            b,
            1,
            Some("vendor=x;p, request.id = r%201 ;ttl=3,user.id=12")
        )
        .await,
        "B: request_id=r 1 user=12 reserved item 1\n\
         B received baggage: vendor=x;p, request.id = r%201 ;ttl=3,user.id=12"
    );
    // A user id that is not a number is left unset; the request id still arrives.
    assert_eq!(
        call_b(b, 2, Some("request.id=r2,user.id=alice")).await,
        "B: request_id=r2 user=<none> reserved item 2\n\
         B received baggage: request.id=r2,user.id=alice"
    );
    // No baggage: B's own per-request defaults.
    assert_eq!(
        call_b(b, 3, None).await,
        "B: request_id=<none> user=<none> reserved item 3\nB received baggage: <none>"
    );
}
