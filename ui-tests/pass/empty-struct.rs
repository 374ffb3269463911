// A struct with no fields is accepted (it only gets the struct-level methods).
use ctxlocal::async_local;

#[async_local]
struct Marker {}

fn main() {
    Marker {}.sync_scope(|| ());
    Marker::clear();
}
