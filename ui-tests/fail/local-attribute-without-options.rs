use ctxlocal::async_local;

#[async_local]
struct RequestCtx {
    #[local]
    retries: u32,
}

fn main() {}
