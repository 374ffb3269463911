use ctxlocal::async_local;

#[async_local]
struct RequestCtx {
    #[local(default, default = 3)]
    retries: u32,
}

fn main() {}
