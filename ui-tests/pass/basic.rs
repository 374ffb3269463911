use ctxlocal::async_local;

#[async_local]
pub struct RequestCtx {
    pub request_id: String,
    #[local(default)]
    pub user: Option<u64>,
    #[local(default = 3)]
    pub retries: u32,
}

fn main() {
    RequestCtx::set_request_id("abc".into());
    assert_eq!(RequestCtx::request_id().as_deref(), Some("abc"));
    assert_eq!(RequestCtx::user(), None);
    assert_eq!(RequestCtx::retries(), 3);
}
