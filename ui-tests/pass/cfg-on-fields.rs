use ctxlocal::async_local;

#[async_local(debug)]
struct RequestCtx {
    id: u64,
    #[cfg(any())]
    never_compiled: std::rc::Rc<u8>,
    #[cfg(all())]
    #[local(no_inherit, default)]
    always: u32,
}

fn main() {
    RequestCtx::set_id(1);
    RequestCtx::set_always(2);
    RequestCtx { id: 3, always: 4 }.sync_scope(|| {
        assert_eq!((RequestCtx::id(), RequestCtx::always()), (Some(3), 4));
    });
    assert_eq!(
        format!("{:?}", RequestCtx::debug_current()),
        "RequestCtx { id: 1, always: 2 }"
    );
}
