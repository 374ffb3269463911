use ctxlocal::async_local;

pub struct Opaque;

#[async_local]
struct RequestCtx {
    #[local(trace)]
    secret: Opaque,
}

fn main() {}
