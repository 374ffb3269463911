use ctxlocal::async_local;

#[async_local]
pub struct RequestCtx {
    pub request_id: String,
}

fn main() {
    RequestCtx::set_request_id("abc".into());
    // Accessors exist only for declared fields: there is no way to write any other name.
    RequestCtx::set_nonexistent(1);
}
