use ctxlocal::async_local;

#[async_local]
struct Limits {
    #[local(default = Self::MAX_RETRIES)]
    retries: u32,
}

impl Limits {
    const MAX_RETRIES: u32 = 3;
}

fn main() {
    // Code using the struct reports nothing more.
    let _: u32 = Limits::retries();
}
