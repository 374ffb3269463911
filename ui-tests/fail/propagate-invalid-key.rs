use ctxlocal::async_local;

#[async_local]
struct RequestCtx {
    #[local(propagate = "user id")]
    user: String,
}

fn main() {}
