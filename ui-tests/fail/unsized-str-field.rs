use ctxlocal::async_local;

#[async_local]
struct RequestCtx {
    name: str,
    id: u64,
}

fn main() {
    RequestCtx::set_id(1);
}
