//! The context shapes shared by `scaling.rs` and `instructions.rs` (`memory.rs` uses the
//! one-field structs): 16 one-field structs and one struct with 64 fields, declared by
//! `macro_rules!`. Needs `harness.rs` included next to it.

#![allow(dead_code)] // each bench uses part of it

use ctxlocal::{Context, async_local};

use super::harness::build_context;

/// Declares one `#[async_local]` struct per name, each with one `u64` field `a`, and
/// `set_structs(n)`, which sets `a` in the first `n` of them.
macro_rules! narrow_structs {
    ($($name:ident)*) => {
        $(
            #[async_local]
            pub struct $name {
                pub a: u64,
            }
        )*

        pub fn set_structs(n: usize) {
            let setters: &[fn(u64)] = &[$($name::set_a),*];
            for set in &setters[..n] {
                set(1);
            }
        }
    };
}

narrow_structs!(S0 S1 S2 S3 S4 S5 S6 S7 S8 S9 S10 S11 S12 S13 S14 S15);

/// Declares the struct `Wide` with one `u64` field per `(field, setter)` pair, and
/// `set_fields(n)`, which sets the first `n` of them.
macro_rules! wide_struct {
    ($(($field:ident, $set:ident))*) => {
        #[async_local]
        pub struct Wide {
            $(pub $field: u64,)*
        }

        pub fn set_fields(n: usize) {
            let setters: &[fn(u64)] = &[$(Wide::$set),*];
            for set in &setters[..n] {
                set(1);
            }
        }
    };
}

// Braces: rustfmt leaves the pairs as written.
wide_struct! {
    (f0, set_f0) (f1, set_f1) (f2, set_f2) (f3, set_f3)
    (f4, set_f4) (f5, set_f5) (f6, set_f6) (f7, set_f7)
    (f8, set_f8) (f9, set_f9) (f10, set_f10) (f11, set_f11)
    (f12, set_f12) (f13, set_f13) (f14, set_f14) (f15, set_f15)
    (f16, set_f16) (f17, set_f17) (f18, set_f18) (f19, set_f19)
    (f20, set_f20) (f21, set_f21) (f22, set_f22) (f23, set_f23)
    (f24, set_f24) (f25, set_f25) (f26, set_f26) (f27, set_f27)
    (f28, set_f28) (f29, set_f29) (f30, set_f30) (f31, set_f31)
    (f32, set_f32) (f33, set_f33) (f34, set_f34) (f35, set_f35)
    (f36, set_f36) (f37, set_f37) (f38, set_f38) (f39, set_f39)
    (f40, set_f40) (f41, set_f41) (f42, set_f42) (f43, set_f43)
    (f44, set_f44) (f45, set_f45) (f46, set_f46) (f47, set_f47)
    (f48, set_f48) (f49, set_f49) (f50, set_f50) (f51, set_f51)
    (f52, set_f52) (f53, set_f53) (f54, set_f54) (f55, set_f55)
    (f56, set_f56) (f57, set_f57) (f58, set_f58) (f59, set_f59)
    (f60, set_f60) (f61, set_f61) (f62, set_f62) (f63, set_f63)
}

/// A context shape to measure.
pub struct Shape {
    pub name: &'static str,
    /// Fields of `Wide` set (0: `Wide` not in the context).
    pub fields: usize,
    /// `S*` structs with their field set.
    pub structs: usize,
    /// Writes the first field of the first struct of the shape.
    pub write: fn(u64),
}

pub const SHAPES: &[Shape] = &[
    Shape {
        name: "fields/1",
        fields: 1,
        structs: 0,
        write: Wide::set_f0,
    },
    Shape {
        name: "fields/8",
        fields: 8,
        structs: 0,
        write: Wide::set_f0,
    },
    Shape {
        name: "fields/64",
        fields: 64,
        structs: 0,
        write: Wide::set_f0,
    },
    Shape {
        name: "structs/1",
        fields: 0,
        structs: 1,
        write: S0::set_a,
    },
    Shape {
        name: "structs/4",
        fields: 0,
        structs: 4,
        write: S0::set_a,
    },
    Shape {
        name: "structs/16",
        fields: 0,
        structs: 16,
        write: S0::set_a,
    },
    Shape {
        name: "fields/64+structs/16",
        fields: 64,
        structs: 16,
        write: Wide::set_f0,
    },
];

impl Shape {
    pub fn context(&self) -> Context {
        build_context(|| {
            set_fields(self.fields);
            set_structs(self.structs);
        })
    }
}
