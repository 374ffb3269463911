use ctxlocal::async_local;

#[async_local(thread_critical)]
struct Db {
    #[local(propagate)]
    shard: u32,
}

fn main() {}
