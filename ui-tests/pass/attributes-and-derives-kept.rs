use ctxlocal::async_local;

/// Per-request state. Doc comments and other attributes stay on the struct and its fields.
#[async_local]
#[derive(Debug, Clone, PartialEq, Default)]
#[must_use]
pub struct RequestCtx {
    /// The id of the request, from the `x-request-id` header.
    pub request_id: String,
    #[allow(clippy::struct_field_names)]
    #[local(default = 3)]
    pub retries: u32,
}

fn main() {
    let ctx = RequestCtx {
        request_id: "a".into(),
        retries: 1,
    };
    let copy = ctx.clone();
    assert_eq!(ctx, copy);
    assert_eq!(format!("{ctx:?}"), r#"RequestCtx { request_id: "a", retries: 1 }"#);
    assert_eq!(RequestCtx::default().retries, 0);
    ctx.set();
    assert_eq!(RequestCtx::retries(), 1);
}
