use ctxlocal::async_local;

#[async_local(crate = "ctxlocal")]
struct RequestCtx {
    id: u64,
}

fn main() {}
