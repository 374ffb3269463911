use ctxlocal::async_local;

#[async_local]
struct RequestCtx {
    #[local(default = )]
    retries: u32,
}

fn main() {}
