use ctxlocal::async_local;

#[async_local]
struct RequestCtx {
    #[local(propagate = "id")]
    request_id: String,
    #[local(propagate = "id")]
    order_id: String,
}

fn main() {}
