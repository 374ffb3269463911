use ctxlocal::async_local;

#[async_local(thread_critical = true)]
struct RequestCtx {
    id: u64,
}

fn main() {}
