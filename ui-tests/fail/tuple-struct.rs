use ctxlocal::async_local;

#[async_local]
struct RequestCtx(String, u64);

fn main() {}
