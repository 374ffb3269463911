use ctxlocal::async_local;

#[async_local(thread_critical)]
struct Db {
    #[local(no_inherit)]
    transaction: u64,
}

fn main() {}
