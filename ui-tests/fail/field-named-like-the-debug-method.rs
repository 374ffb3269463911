use ctxlocal::async_local;

#[async_local(debug)]
struct RequestCtx {
    debug_current: bool,
}

fn main() {}
