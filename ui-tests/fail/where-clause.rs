use ctxlocal::async_local;

#[async_local]
struct RequestCtx
where
    u64: Copy,
{
    id: u64,
}

fn main() {}
