use ctxlocal::async_local;

#[async_local]
struct RequestCtx {
    on_done: dyn Fn() + Send + Sync,
}

fn main() {}
