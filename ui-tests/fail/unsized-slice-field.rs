use ctxlocal::async_local;

#[async_local]
struct RequestCtx {
    body: [u8],
}

fn main() {}
