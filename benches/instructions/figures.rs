//! The figures of DESIGN.md section 6 that an instruction count can show, each a ratio (or a
//! difference) of two rows of the same callgrind run (a module of `benches/instructions.rs`;
//! run with `cargo bench -p ctxlocal-benches --bench instructions`). Counts depend on how
//! rustc splits the bench crate into codegen units, so only rows of one build are compared.

use super::shapes::SHAPES;

/// How a figure compares ctxlocal's row with its anchor's.
enum Compare {
    /// ctxlocal / anchor.
    Ratio,
    /// ctxlocal - anchor, in instructions.
    Difference,
}

/// One figure: the rows (by symbol) it compares, and its target in DESIGN.md section 6.
struct Figure {
    name: &'static str,
    ctxlocal: String,
    anchor: String,
    compare: Compare,
    target: &'static str,
}

/// The symbol of `op_shape<i>_<what>` for the shape called `name` in `SHAPES`.
fn shape_symbol(name: &str, what: &str) -> String {
    let index = SHAPES
        .iter()
        .position(|shape| shape.name == name)
        .unwrap_or_else(|| panic!("no shape {name}"));
    format!("op_shape{index}_{what}")
}

fn figure(
    name: &'static str,
    ctxlocal: &str,
    anchor: &str,
    compare: Compare,
    target: &'static str,
) -> Figure {
    Figure {
        name,
        ctxlocal: ctxlocal.to_owned(),
        anchor: anchor.to_owned(),
        compare,
        target,
    }
}

fn figures() -> Vec<Figure> {
    use Compare::{Difference, Ratio};
    vec![
        figure(
            "read u64 in a task (`with_id`) / tokio `try_with`, key in this crate",
            "op_read_u64_with",
            "op_tokio_u64_try_with",
            Ratio,
            "<= 1.5x (goal 1.0x)",
        ),
        figure(
            "read u64 in a task (`with_id`) / tokio `try_with`, key in another crate",
            "op_read_u64_with",
            "op_tokio_u64_try_with_other_crate",
            Ratio,
            "<= 1.5x (goal 1.0x)",
        ),
        figure(
            "read String borrow in a task (`with_name`) / tokio `try_with`, key in this crate",
            "op_read_string_with",
            "op_tokio_string_try_with",
            Ratio,
            "<= 1.5x (goal 1.0x)",
        ),
        figure(
            "read String borrow in a task (`with_name`) / tokio `try_with`, key in another crate",
            "op_read_string_with",
            "op_tokio_string_try_with_other_crate",
            Ratio,
            "<= 1.5x (goal 1.0x)",
        ),
        figure(
            "write u64 in a task (`set_id`) / `thread_local!` `RefCell` set",
            "op_set_u64",
            "op_tl_refcell_set_u64",
            Ratio,
            "<= 2x",
        ),
        figure(
            "write String in a task (`set_name`) / `thread_local!` `RefCell` set",
            "op_set_string",
            "op_tl_refcell_set_string",
            Ratio,
            "<= 2x",
        ),
        figure(
            "`sync_scope_id` + one read / tokio `sync_scope` + one read",
            "op_sync_scope_id_read",
            "op_tokio_sync_scope_read",
            Ratio,
            "<= 4x",
        ),
        figure(
            "first write after a snapshot: 16 structs / 1 struct",
            &shape_symbol("structs/16", "first_write"),
            &shape_symbol("structs/1", "first_write"),
            Ratio,
            "<= 1.2x",
        ),
        figure(
            "first write after a snapshot: 64 fields set / 1 field set (64-field struct)",
            &shape_symbol("fields/64", "first_write"),
            &shape_symbol("fields/1", "first_write"),
            Ratio,
            "<= 1.2x",
        ),
        figure(
            "first write after a snapshot: a 64-field struct, all set / a 1-field struct",
            &shape_symbol("fields/64", "first_write"),
            &shape_symbol("structs/1", "first_write"),
            Ratio,
            "<= 1.2x",
        ),
        figure(
            "`ctxlocal::spawn` + await / `tokio::spawn` + await (current_thread)",
            "op_spawn_loop_ctxlocal",
            "op_spawn_loop_tokio",
            Ratio,
            "<= 1.05x",
        ),
        figure(
            "one poll: `WithContext` / tokio `TaskLocalFuture`",
            "op_poll_with_context",
            "op_poll_task_local_future",
            Ratio,
            "<= 1.0x",
        ),
        figure(
            "request in process: `ScopeLayer` over a bare tower `service_fn`",
            "op_request_tower_scope_layer",
            "op_request_tower_bare",
            Difference,
            "<= 1,500 instructions",
        ),
        figure(
            "request in process: `ScopeLayer` over a bare axum `Router` (`Router::layer`)",
            "op_request_axum_scope_layer",
            "op_request_axum_bare",
            Difference,
            "<= 1,500 instructions",
        ),
        figure(
            "request in process: `ScopeLayer` over a bare axum `Router` (layer outside the router)",
            "op_request_axum_scope_layer_outside",
            "op_request_axum_bare",
            Difference,
            "<= 1,500 instructions",
        ),
    ]
}

/// Prints the figures as a Markdown table; `per_op(symbol)` is a row's instructions per
/// operation, if it was found.
pub fn print(per_op: impl Fn(&str) -> Option<f64>) {
    println!(
        "\n| figure (DESIGN.md section 6) | ctxlocal | anchor | ratio or difference | target |"
    );
    println!("|---|---|---|---|---|");
    for figure in figures() {
        let (Some(ours), Some(anchor)) = (per_op(&figure.ctxlocal), per_op(&figure.anchor)) else {
            println!(
                "| {} | – | – | (a row was not found) | {} |",
                figure.name, figure.target
            );
            continue;
        };
        let compared = match figure.compare {
            Compare::Ratio => format!("{:.2}x", ours / anchor),
            Compare::Difference => format!("{:+.0} instructions", ours - anchor),
        };
        println!(
            "| {} | {ours:.1} | {anchor:.1} | {compared} | {} |",
            figure.name, figure.target
        );
    }
}
