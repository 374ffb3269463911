use ctxlocal::async_local;

pub struct Opaque;

#[async_local(debug)]
struct RequestCtx {
    id: u64,
    secret: Opaque,
}

fn main() {}
