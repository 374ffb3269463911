use ctxlocal::async_local;

#[async_local(threadcritical)]
struct RequestCtx {
    id: u64,
}

fn main() {}
