use ctxlocal::async_local;

#[async_local]
struct RequestCtx {
    scope: String,
}

fn main() {}
