use ctxlocal::async_local;

#[async_local(thread_critical, thread_critical)]
struct RequestCtx {
    id: u64,
}

fn main() {}
