//! Rule O4 over gRPC: a tonic client and server talking over a real HTTP/2 connection on
//! loopback, with `ctxlocal::otel::FieldsPropagator` in a client interceptor (injecting into
//! the request's `tonic::metadata::MetadataMap`) and in the server's service (extracting from
//! it). The server's handler sees the caller's request id and user as typed fields, and what it
//! would send further carries the caller's other baggage members untouched. The messages use a
//! small hand-written codec (UTF-8 text), so no protobuf tooling is needed.
#![cfg(all(feature = "tokio", feature = "opentelemetry"))]

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use bytes::{Buf, BufMut};
use ctxlocal::async_local;
use ctxlocal::otel::FieldsPropagator;
use opentelemetry::baggage::{Baggage as OtelBaggage, BaggageExt};
use opentelemetry::context::FutureExt as _;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::metadata::{KeyRef, MetadataKey, MetadataMap, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint, Server};
use tonic::{Request, Response, Status};

#[async_local]
struct Call {
    #[local(propagate = "call.request_id")]
    request_id: String,
    #[local(propagate = "call.user", default)]
    user: Option<u64>,
}

// ---------------------------------------------------------------------------------------------
// OpenTelemetry's view of gRPC metadata (what `opentelemetry` users write for tonic)
// ---------------------------------------------------------------------------------------------

struct MetadataInjector<'a>(&'a mut MetadataMap);

impl Injector for MetadataInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        let key = MetadataKey::from_bytes(key.as_bytes()).expect("a metadata key");
        let value: MetadataValue<_> = value.parse().expect("an ASCII metadata value");
        self.0.insert(key, value);
    }
}

struct MetadataExtractor<'a>(&'a MetadataMap);

impl Extractor for MetadataExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0
            .keys()
            .map(|key| match key {
                KeyRef::Ascii(key) => key.as_str(),
                KeyRef::Binary(key) => key.as_str(),
            })
            .collect()
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        let all: Vec<&str> = self
            .0
            .get_all(key)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect();
        (!all.is_empty()).then_some(all)
    }
}

// ---------------------------------------------------------------------------------------------
// A gRPC service by hand: `/ctxlocal.test.Echo/WhoAmI`, text in, text out
// ---------------------------------------------------------------------------------------------

const WHO_AM_I: &str = "/ctxlocal.test.Echo/WhoAmI";

#[derive(Clone, Copy, Debug, Default)]
struct TextCodec;

impl Codec for TextCodec {
    type Encode = String;
    type Decode = String;
    type Encoder = TextCodec;
    type Decoder = TextCodec;

    fn encoder(&mut self) -> TextCodec {
        TextCodec
    }

    fn decoder(&mut self) -> TextCodec {
        TextCodec
    }
}

impl Encoder for TextCodec {
    type Item = String;
    type Error = Status;

    fn encode(&mut self, item: String, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(item.as_bytes());
        Ok(())
    }
}

impl Decoder for TextCodec {
    type Item = String;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<String>, Status> {
        let bytes = src.copy_to_bytes(src.remaining());
        String::from_utf8(bytes.to_vec())
            .map(Some)
            .map_err(|error| Status::invalid_argument(error.to_string()))
    }
}

type BoxFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

/// The handler: what the request's context holds, and the `baggage` entry a call it made
/// further would carry.
async fn who_am_i(message: String) -> String {
    let mut onward = MetadataMap::new();
    FieldsPropagator::new().inject(&mut MetadataInjector(&mut onward));
    let onward = onward
        .get("baggage")
        .map_or("", |value| value.to_str().unwrap())
        .to_owned();
    format!(
        "{message}: request_id={:?} user={:?} onward={onward}",
        Call::request_id(),
        Call::user()
    )
}

/// Extracts the caller's context from the request's metadata and runs the handler in it.
struct WhoAmI;

impl tonic::server::UnaryService<String> for WhoAmI {
    type Response = String;
    type Future = BoxFuture<Response<String>, Status>;

    fn call(&mut self, request: Request<String>) -> Self::Future {
        let otel_cx = FieldsPropagator::new().extract(&MetadataExtractor(request.metadata()));
        let context = ctxlocal::otel::extract(&otel_cx);
        let handler = who_am_i(request.into_inner()).with_context(otel_cx);
        Box::pin(async move { Ok(Response::new(context.scope(handler).await)) })
    }
}

#[derive(Clone, Copy, Debug)]
struct EchoServer;

impl tonic::server::NamedService for EchoServer {
    const NAME: &'static str = "ctxlocal.test.Echo";
}

impl<B> tower::Service<http::Request<B>> for EchoServer
where
    B: http_body::Body + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Infallible>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        Box::pin(async move {
            if request.uri().path() != WHO_AM_I {
                return Ok(Status::unimplemented(request.uri().path()).into_http());
            }
            Ok(tonic::server::Grpc::new(TextCodec)
                .unary(WhoAmI, request)
                .await)
        })
    }
}

/// Serves [`EchoServer`] on a loopback port.
async fn serve() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        Server::builder()
            .add_service(EchoServer)
            .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener))
            .await
            .unwrap();
    });
    (url, server)
}

type Client = tonic::client::Grpc<
    InterceptedService<Channel, fn(Request<()>) -> Result<Request<()>, Status>>,
>;

/// The client interceptor: the current context's fields and baggage into the metadata.
fn inject(mut request: Request<()>) -> Result<Request<()>, Status> {
    FieldsPropagator::new().inject(&mut MetadataInjector(request.metadata_mut()));
    Ok(request)
}

async fn client(url: String) -> Client {
    let channel = Endpoint::from_shared(url).unwrap().connect().await.unwrap();
    let interceptor: fn(Request<()>) -> Result<Request<()>, Status> = inject;
    tonic::client::Grpc::new(InterceptedService::new(channel, interceptor))
}

async fn call(client: &mut Client, message: &str) -> String {
    client.ready().await.unwrap();
    let path = http::uri::PathAndQuery::from_static(WHO_AM_I);
    client
        .unary(Request::new(message.to_owned()), path, TextCodec)
        .await
        .unwrap()
        .into_inner()
}

/// The OpenTelemetry context of a caller whose baggage holds another system's member.
fn with_foreign_member() -> opentelemetry::Context {
    let mut baggage = OtelBaggage::new();
    let _ = baggage.insert_with_metadata("vendor", "opaque value", "ttl=3");
    opentelemetry::Context::new().with_baggage(baggage)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grpc_call_carries_the_request_id_the_user_and_foreign_members() {
    let (url, server) = serve().await;
    let mut client = client(url).await;
    let caller = Call {
        request_id: "req 7".into(),
        user: Some(42),
    };
    let reply = caller
        .scope(call(&mut client, "hello").with_context(with_foreign_member()))
        .await;
    assert_eq!(
        reply,
        "hello: request_id=Some(\"req 7\") user=Some(42) \
         onward=call.request_id=req%207,call.user=42,vendor=opaque%20value;ttl=3"
    );
    // Outside a context nothing is sent, and nothing is made up on the other side.
    let reply = call(&mut client, "bare").await;
    assert_eq!(reply, "bare: request_id=None user=None onward=");
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_on_one_http2_connection_each_carry_their_own_fields() {
    let (url, server) = serve().await;
    let client = client(url).await;
    let calls: Vec<_> = (0..64u64)
        .map(|n| {
            let mut client = client.clone();
            ctxlocal::spawn(async move {
                Call::set_request_id(format!("req-{n}"));
                Call::set_user(Some(n));
                (n, call(&mut client, "hi").await)
            })
        })
        .collect();
    for call in calls {
        let (n, reply) = call.await.unwrap();
        assert_eq!(
            reply,
            format!(
                "hi: request_id=Some(\"req-{n}\") user=Some({n}) \
                 onward=call.request_id=req-{n},call.user={n}"
            )
        );
    }
    server.abort();
}
