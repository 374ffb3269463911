// The values trait of generated code is `unsafe`: a hand-written impl (whose `Clone` could
// write a context while a write holds it) must say `unsafe impl` and take on its contract.
use ctxlocal::__private::{Slot, Values};

#[derive(Clone, Default)]
struct HandWritten {
    n: Slot<u32>,
}

impl Values for HandWritten {}

fn main() {}
