//! How snapshots and the first write after one scale with the size of the context.
//!
//! Groups (`cargo bench -p ctxlocal-benches --bench scaling`), each parameterised by the
//! context's shape:
//!
//! - `scaling/current`: `Context::current()` (and dropping it), which the performance targets want
//!   flat (ratio <= 1.2) from 1 to 64 fields set and from 1 to 16 structs in the context;
//! - `scaling/first_write`: a snapshot followed by the first write to one `u64` field (the
//!   copy-on-write); the snapshots are dropped outside the timed region.
//!
//! Shapes: `fields/N` is one struct with 64 `u64` fields of which N are set; `structs/N` is N
//! structs with one `u64` field set each; `fields/64+structs/16` is both at once. The field
//! written is always the first field of the first struct. Everything runs inside
//! `Context::run`, as in a task (see `benches/access.rs` for why that is the same path).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ctxlocal::Context;

#[path = "support/harness.rs"]
mod harness;
#[path = "support/shapes.rs"]
mod shapes;

use harness::iter_after_snapshot;
use shapes::SHAPES;

fn scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("scaling/current");
    for shape in SHAPES {
        shape.context().run(|| {
            group.bench_function(BenchmarkId::from_parameter(shape.name), |b| {
                b.iter(|| black_box(Context::current()))
            });
        });
    }
    group.finish();

    let mut group = c.benchmark_group("scaling/first_write");
    for shape in SHAPES {
        shape.context().run(|| {
            group.bench_function(BenchmarkId::from_parameter(shape.name), |b| {
                b.iter_custom(|iters| iter_after_snapshot(iters, shape.write))
            });
        });
    }
    group.finish();
}

criterion_group!(benches, scaling);
criterion_main!(benches);
