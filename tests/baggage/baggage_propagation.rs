//! `ctxlocal::baggage::{inject, extract, extract_into}` (feature `baggage`): which fields are
//! sent and how, what happens to other systems' entries, and what a receiving context holds.
//!
//! Every struct of a program that has `#[local(propagate)]` fields takes part: this file's
//! structs are `RequestCtx` and `Tenant`. (Two structs sharing a key make every call panic:
//! `tests/baggage_duplicate_keys.rs`.)
#![cfg(all(feature = "baggage", feature = "tokio"))]

use std::net::IpAddr;

use ctxlocal::baggage::{self, Baggage};
use ctxlocal::{Context, async_local};
use http::{HeaderMap, HeaderValue};

#[async_local]
struct RequestCtx {
    #[local(propagate)]
    request_id: String,
    #[local(propagate = "user.id", default)]
    user: Option<u64>,
    #[local(propagate, default = 3)]
    retries: u32,
    #[local(propagate = "tx", no_inherit)]
    transaction: u64,
    #[local(propagate = "client.ip")]
    client: IpAddr,
    /// Not propagated: never sent, never read from a header.
    password: String,
}

#[async_local]
struct Tenant {
    #[local(propagate = "tenant")]
    name: String,
    #[local(propagate)]
    r#type: String,
}

/// The `baggage` header text of `headers` (exactly one header expected), or `None`.
fn header(headers: &HeaderMap) -> Option<String> {
    let all: Vec<_> = headers.get_all(baggage::HEADER).iter().collect();
    assert!(all.len() <= 1, "more than one baggage header: {all:?}");
    all.first()
        .map(|value| value.to_str().expect("ASCII").to_owned())
}

/// Runs `f` in a fresh empty context and returns what `inject` writes on top of `existing`.
fn injected(existing: &[&str], f: impl FnOnce()) -> Option<String> {
    Context::empty().run(|| {
        f();
        let mut outgoing = headers(existing);
        baggage::inject(&mut outgoing);
        header(&outgoing)
    })
}

/// A header map with one `baggage` header per value, in order.
fn headers(values: &[&str]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for value in values {
        headers.append(baggage::HEADER, HeaderValue::from_str(value).unwrap());
    }
    headers
}

fn members(text: &str) -> Vec<&str> {
    let mut members: Vec<&str> = text.split(',').collect();
    members.sort_unstable();
    members
}

// ---------------------------------------------------------------------------------------------
// inject
// ---------------------------------------------------------------------------------------------

#[test]
fn ours_come_first_then_other_systems_entries_with_their_properties() {
    let sent = injected(
        &["vendor=opaque;prop;k = v, other = x", "more=1; p"],
        || {
            RequestCtx::set_request_id("req 7".into());
            RequestCtx::set_user(Some(42));
        },
    );
    assert_eq!(
        sent.as_deref(),
        Some("request_id=req%207,user.id=42,vendor=opaque;prop;k=v,other=x,more=1;p")
    );
}

#[test]
fn ours_replace_theirs_with_the_same_key_and_unset_fields_let_theirs_through() {
    let sent = injected(&["user.id=999;p,request_id=old;q,x=1"], || {
        RequestCtx::set_request_id("new".into());
    });
    // `request_id` is ours (their entry and its property are gone); `user.id` is unset here,
    // so the entry already on the request goes through unchanged.
    assert_eq!(sent.as_deref(), Some("request_id=new,user.id=999;p,x=1"));
}

#[test]
fn nothing_to_send_means_no_header_and_invalid_entries_are_not_passed_on() {
    assert_eq!(injected(&[], || {}), None);
    // Only invalid members: the header goes.
    assert_eq!(injected(&[",,k=%zz, bad key=1", ";;"], || {}), None);
    // Invalid members are dropped, valid ones normalised, duplicates removed (first wins).
    assert_eq!(
        injected(&[" a = 1 ;p , k=%zz, a=2", "b=2"], || {}).as_deref(),
        Some("a=1;p,b=2")
    );
}

#[test]
fn unset_fields_none_and_non_propagated_fields_are_not_sent() {
    let sent = injected(&[], || {
        RequestCtx::set_request_id("r".into());
        RequestCtx::set_user(None);
        RequestCtx::set_password("hunter2".into());
    });
    assert_eq!(sent.as_deref(), Some("request_id=r"));
}

#[test]
fn a_default_is_sent_only_when_set_explicitly() {
    // Unset, `retries` reads as 3 on both sides: nothing to send.
    let sent = injected(&[], || {
        assert_eq!(RequestCtx::retries(), 3);
        RequestCtx::set_user(Some(0));
    });
    assert_eq!(sent.as_deref(), Some("user.id=0"));
    let sent = injected(&[], || RequestCtx::set_retries(3));
    assert_eq!(sent.as_deref(), Some("retries=3"));
    // The receiver of nothing reads its own default.
    let context = baggage::extract(&HeaderMap::new());
    assert_eq!(context.run(RequestCtx::retries), 3);
}

#[test]
fn escaped_values_are_sent_percent_encoded_and_read_back_exactly() {
    let text = "a b,c;d=\u{e9}%\"\\\t\u{1F600}";
    let sent = injected(&[], || RequestCtx::set_request_id(text.into())).unwrap();
    assert_eq!(
        sent,
        "request_id=a%20b%2Cc%3Bd%3D%C3%A9%25%22%5C%09%F0%9F%98%80"
    );
    let context = baggage::extract(&headers(&[&sent]));
    assert_eq!(context.run(RequestCtx::request_id).as_deref(), Some(text));
}

#[test]
fn types_go_through_display_and_from_str() {
    for ip in ["127.0.0.1", "::1", "2001:db8::ff00:42:8329"] {
        let ip: IpAddr = ip.parse().unwrap();
        let sent = injected(&[], || RequestCtx::set_client(ip)).unwrap();
        assert_eq!(sent, format!("client.ip={ip}"));
        let context = baggage::extract(&headers(&[&sent]));
        assert_eq!(context.run(RequestCtx::client), Some(ip));
    }
}

#[test]
fn a_field_too_large_for_the_header_is_not_sent_and_the_others_are() {
    let sent = injected(&[], || {
        RequestCtx::set_request_id("x".repeat(baggage::MAX_BYTES));
        RequestCtx::set_user(Some(1));
    });
    assert_eq!(sent.as_deref(), Some("user.id=1"));
}

#[test]
fn at_the_limits_other_systems_entries_go_first() {
    // 300 entries already on the request: ours are kept, the list is cut to 180 members.
    let others: Vec<String> = (0..300).map(|i| format!("o{i}=v")).collect();
    let sent = injected(&[&others.join(",")], || {
        RequestCtx::set_request_id("r".into());
        RequestCtx::set_user(Some(1));
    })
    .unwrap();
    let parsed = Baggage::parse(sent.as_bytes());
    assert_eq!(parsed.len(), baggage::MAX_MEMBERS);
    assert!(
        sent.starts_with("request_id=r,user.id=1,o0=v,o1=v,"),
        "{sent}"
    );
    assert_eq!(parsed.get("o177"), Some("v"));
    assert_eq!(parsed.get("o178"), None);

    // 8,000 bytes of others and a 4,000-byte value of ours: ours is kept, others cut.
    let others: Vec<String> = (0..100)
        .map(|i| format!("o{i:02}={}", "v".repeat(76)))
        .collect();
    let long = "r".repeat(4_000);
    let sent = injected(&[&others.join(",")], || {
        RequestCtx::set_request_id(long.clone());
    })
    .unwrap();
    assert!(sent.len() <= baggage::MAX_BYTES, "{} bytes", sent.len());
    let parsed = Baggage::parse(sent.as_bytes());
    assert_eq!(parsed.get("request_id"), Some(long.as_str()));
    assert_eq!(parsed.get("o00").map(str::len), Some(76));
    assert!(parsed.len() < 101);
}

#[test]
fn fields_of_several_structs_are_all_sent() {
    let sent = injected(&[], || {
        RequestCtx::set_request_id("r1".into());
        Tenant::set_name("acme".into());
        Tenant::set_type("enterprise".into());
    })
    .unwrap();
    // The order between structs is unspecified; within a struct it is the fields' order.
    assert_eq!(
        members(&sent),
        ["request_id=r1", "tenant=acme", "type=enterprise"]
    );
    assert!(sent.contains("tenant=acme,type=enterprise"), "{sent}");
}

#[tokio::test(flavor = "current_thread")]
async fn inject_reads_the_context_of_the_code_that_calls_it() {
    let sent = Context::empty()
        .scope(async {
            RequestCtx::set_request_id("parent".into());
            let child = ctxlocal::spawn(async {
                RequestCtx::set_request_id("child".into());
                injected_here()
            });
            let child = child.await.unwrap();
            (injected_here(), child)
        })
        .await;
    assert_eq!(sent.0.as_deref(), Some("request_id=parent"));
    assert_eq!(sent.1.as_deref(), Some("request_id=child"));
}

fn injected_here() -> Option<String> {
    let mut headers = HeaderMap::new();
    baggage::inject(&mut headers);
    header(&headers)
}

// ---------------------------------------------------------------------------------------------
// extract
// ---------------------------------------------------------------------------------------------

#[test]
fn extract_sets_the_propagated_fields_and_nothing_else() {
    let context = baggage::extract(&headers(&[
        "request_id=r1,user.id=42,retries=5,password=stolen,unknown=1,client.ip=10.0.0.1",
    ]));
    let seen = context.run(|| {
        (
            RequestCtx::request_id(),
            RequestCtx::user(),
            RequestCtx::retries(),
            RequestCtx::client(),
            RequestCtx::password(),
            RequestCtx::is_transaction_set(),
            Tenant::name(),
        )
    });
    assert_eq!(
        seen,
        (
            Some("r1".into()),
            Some(42),
            5,
            Some("10.0.0.1".parse().unwrap()),
            None,
            false,
            None
        )
    );
    assert!(baggage::extract(&HeaderMap::new()).is_empty());
    assert!(baggage::extract(&headers(&["unknown=1,password=x"])).is_empty());
}

#[test]
fn text_that_does_not_parse_leaves_the_field_unset() {
    let headers = headers(&["user.id=abc,retries=-1,client.ip=localhost,request_id=ok"]);
    let context = baggage::extract(&headers);
    let seen = context.run(|| {
        (
            RequestCtx::request_id(),
            RequestCtx::is_user_set(),
            RequestCtx::user(),
            RequestCtx::is_retries_set(),
            RequestCtx::retries(),
            RequestCtx::client(),
        )
    });
    assert_eq!(seen, (Some("ok".into()), false, None, false, 3, None));
    assert!(baggage::extract(&headers_of("user.id=abc")).is_empty());

    // Over a context that has them, they keep what it has.
    let base = Context::empty().run(|| {
        RequestCtx::set_user(Some(7));
        RequestCtx::set_retries(5);
        Context::current()
    });
    let context = baggage::extract_into(&headers, base);
    let seen = context.run(|| {
        (
            RequestCtx::request_id(),
            RequestCtx::user(),
            RequestCtx::retries(),
        )
    });
    assert_eq!(seen, (Some("ok".into()), Some(7), 5));
}

fn headers_of(value: &str) -> HeaderMap {
    headers(&[value])
}

#[test]
fn extract_into_adds_to_a_context_and_overrides_what_the_header_has() {
    let base = Context::empty().run(|| {
        RequestCtx::set_request_id("local".into());
        RequestCtx::set_password("p".into());
        RequestCtx::set_user(Some(1));
        Tenant::set_name("from-base".into());
        Context::current()
    });
    let context = baggage::extract_into(&headers_of("request_id=remote,tenant=acme"), base.clone());
    let seen = context.run(|| {
        (
            RequestCtx::request_id(),
            RequestCtx::password(),
            RequestCtx::user(),
            Tenant::name(),
        )
    });
    assert_eq!(
        seen,
        (
            Some("remote".into()),
            Some("p".into()),
            Some(1),
            Some("acme".into())
        )
    );
    // `base` itself is unchanged: contexts are immutable snapshots.
    assert_eq!(base.run(RequestCtx::request_id).as_deref(), Some("local"));
    // With no baggage, the context is returned as it is.
    let same = baggage::extract_into(&HeaderMap::new(), base);
    assert_eq!(same.run(RequestCtx::request_id).as_deref(), Some("local"));
}

#[test]
fn whitespace_escapes_and_duplicates_in_the_header_are_handled_as_the_specification_says() {
    let context = baggage::extract(&headers(&[
        " request_id = a%2Cb ; p , user.id =\t42 ",
        "request_id=second,user.id=43",
    ]));
    let seen = context.run(|| (RequestCtx::request_id(), RequestCtx::user()));
    assert_eq!(seen, (Some("a,b".into()), Some(42)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_no_inherit_field_travels_with_the_request_but_not_to_tasks_it_spawns() {
    // Sending: it is part of the request's own context, so it goes out...
    let sent = injected(&[], || RequestCtx::set_transaction(9));
    assert_eq!(sent.as_deref(), Some("tx=9"));

    // ...receiving: it is set in the request's context, not in the tasks that request spawns,
    // and the bridges, which continue the same flow, carry it.
    let context = baggage::extract(&headers_of("tx=9,request_id=r"));
    let seen = context
        .scope(async {
            let own = RequestCtx::transaction();
            let spawned = ctxlocal::spawn(async {
                (
                    RequestCtx::transaction(),
                    RequestCtx::request_id(),
                    injected_here(),
                )
            })
            .await
            .unwrap();
            let bridged = ctxlocal::sync_to_async(RequestCtx::transaction).await;
            (own, spawned, bridged, injected_here())
        })
        .await;
    assert_eq!(seen.0, Some(9));
    assert_eq!(
        seen.1,
        (None, Some("r".into()), Some("request_id=r".into()))
    );
    assert_eq!(seen.2, Some(9));
    assert_eq!(seen.3.as_deref(), Some("request_id=r,tx=9"));
}
