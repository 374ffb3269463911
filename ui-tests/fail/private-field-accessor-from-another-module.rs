mod context {
    use ctxlocal::async_local;

    #[async_local]
    pub struct RequestCtx {
        pub request_id: String,
        secret: String,
    }
}

fn main() {
    context::RequestCtx::set_request_id("ok".into());
    context::RequestCtx::set_secret("not from here".into());
}
