use ctxlocal::async_local;

#[async_local]
struct RequestCtx<T> {
    value: T,
}

fn main() {
    // Code using the struct's accessors reports nothing more.
    RequestCtx::<u32>::set_value(1);
    let _: Option<u32> = RequestCtx::<u32>::value();
    RequestCtx { value: 2u32 }.sync_scope(|| {});
}
