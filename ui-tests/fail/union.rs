use ctxlocal::async_local;

#[async_local]
union RequestCtx {
    id: u64,
    flags: u32,
}

fn main() {}
