//! The client of the end-to-end bench (`benches/e2e.rs`): one round of load on a server,
//! `CONNECTIONS` keep-alive HTTP/1 connections (hyper 1's `client::conn::http1` over a tokio
//! `TcpStream`, one connection per task), each sending requests back to back (the next as
//! soon as the previous response's body is read) until the round's time is up. Every response
//! must be `200 OK` with the id the request sent as its body: in the `layer` variant that
//! proves each handler saw its own request's context.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::server::ID_HEADER;

/// Concurrent connections, one task each.
pub const CONNECTIONS: usize = 64;

/// How long a round may overrun its time before it is abandoned as stuck.
const GRACE: Duration = Duration::from_secs(10);

/// What one round did.
pub struct RoundLoad {
    pub requests: u64,
    /// From the first connection attempt to the last connection closed.
    pub elapsed: Duration,
}

/// Sends requests to `127.0.0.1:port` over `CONNECTIONS` connections for `duration`; panics
/// on any error or wrong answer, or if the round overruns by more than `GRACE`.
pub async fn round(port: u16, duration: Duration) -> RoundLoad {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let start = Instant::now();
    let deadline = start + duration;
    let tasks: Vec<_> = (0..CONNECTIONS as u64)
        .map(|connection| tokio::spawn(one_connection(address, deadline, connection << 32)))
        .collect();
    let mut requests = 0;
    for task in tasks {
        requests += tokio::time::timeout_at((deadline + GRACE).into(), task)
            .await
            .expect("a connection overran its round")
            .expect("connection task");
    }
    RoundLoad {
        requests,
        elapsed: start.elapsed(),
    }
}

/// One connection: requests back to back until `deadline`, with ids from `first_id` up;
/// returns how many were answered.
async fn one_connection(address: SocketAddr, deadline: Instant, first_id: u64) -> u64 {
    let stream = TcpStream::connect(address).await.expect("connect");
    stream.set_nodelay(true).expect("TCP_NODELAY");
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("HTTP/1 handshake");
    let driver = tokio::spawn(connection);
    let host = address.to_string();
    let mut id = first_id;
    while Instant::now() < deadline {
        sender.ready().await.expect("connection ready");
        let request = http::Request::get("/")
            .header(http::header::HOST, &host)
            .header(ID_HEADER, id)
            .body(Empty::<Bytes>::new())
            .expect("request");
        let response = sender.send_request(request).await.expect("response");
        assert_eq!(response.status(), http::StatusCode::OK, "request {id}");
        let body = response
            .into_body()
            .collect()
            .await
            .expect("response body")
            .to_bytes();
        assert_eq!(body, id.to_string().as_bytes(), "request {id}: wrong id");
        id += 1;
    }
    drop(sender);
    driver
        .await
        .expect("connection task")
        .expect("connection closed cleanly");
    id - first_id
}
