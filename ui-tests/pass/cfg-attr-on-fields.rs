// `cfg_attr` on fields: attributes for the struct (docs, lints, other derives' helpers) stay on
// the struct and nothing generated repeats them; a `cfg_attr` that contains a `cfg` decides
// whether the field exists, as on any struct.
use ctxlocal::async_local;

#[async_local(debug)]
#[derive(Debug)]
struct RequestCtx {
    #[cfg_attr(all(), doc = "The request's id.")]
    #[cfg_attr(all(), rustfmt::skip)] // an error on an expression (E0658)
    #[cfg_attr(all(), allow(clippy::struct_field_names))]
    id: u64,
    // Not compiled: the condition holds, so `cfg(any())` applies.
    #[cfg_attr(all(), cfg(any()))]
    never: std::rc::Rc<u8>,
    // Not compiled either, one level deeper.
    #[cfg_attr(all(), doc = "x", cfg_attr(all(), cfg(any())))]
    nested_never: std::rc::Rc<u8>,
    // Compiled: the condition does not hold, so the `cfg` does not apply.
    #[cfg_attr(any(), cfg(any()))]
    #[local(default = 7)]
    kept: u32,
}

fn main() {
    RequestCtx::set_id(1);
    assert_eq!(RequestCtx::kept(), 7);
    RequestCtx { id: 3, kept: 4 }.sync_scope(|| {
        assert_eq!((RequestCtx::id(), RequestCtx::kept()), (Some(3), 4));
    });
    assert_eq!(
        format!("{:?}", RequestCtx::debug_current()),
        "RequestCtx { id: 1, kept: 7 }"
    );
}
