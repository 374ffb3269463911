use ctxlocal::async_local;

#[async_local]
struct RequestCtx;

fn main() {}
