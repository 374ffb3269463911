#!/usr/bin/env python3
"""Checks the layering of the runtime (DESIGN.md section 1, local-runtime/src/lib.rs).

Every module of local-runtime/src is listed in LAYERS, bottom first; a module may name (with a
`crate::` path) only modules of lower layers. Prints every upward or same-layer import as
`module (layer) -> module (layer)`, every module missing from the list, and every file over
MAX_LINES; exits 1 if there is any. A cycle is always reported: one of its edges goes up.

usage: scripts/layers.py [SRC_DIR]      (default: local-runtime/src)
"""
import os
import re
import sys

MAX_LINES = 500

# Bottom first. A file imports only from lines above its own.
LAYERS = [
    # 1. cells, modes, errors, strict mode, what structs offer to integrations (and their
    #    values, typed)
    ["error", "mode", "cell_pool"],
    ["cow_arc"],
    ["strict"],
    ["hooks"],
    ["trace_value"],
    # the threads that run thread-sensitive calls (no context in sight)
    ["sync_thread"],
    # 2. one struct's values
    ["field", "struct_key"],
    # bounds on field types, one error each
    ["checks"],
    # 3. a context's contents
    ["table::entries"],
    ["table", "table::write_back"],
    # 4. a thread's state
    ["thread_state", "thread_state::borrows", "thread_state::frames"],
    # 5. thread-critical storage
    ["thread_critical"],
    # 6. frames
    ["install"],
    # 7. contexts
    ["context"],
    ["storage"],
    # 8. futures
    ["future"],
    # 9. everything built on top
    ["propagation"],
    ["private", "private::accessors", "private::accessors::scope_in_place"],
    # what spawned work carries besides its context: the span, the OpenTelemetry context
    ["observe"],
    ["thread_sensitive"],
    ["bridge", "spawn", "thread", "tower", "tracing", "rayon", "executor", "join_set", "hyper", "log"],
    ["baggage"],
    # integrations that build on baggage
    ["otel"],
]


def modules(src):
    found = {}
    for root, _, files in os.walk(src):
        for name in files:
            if not name.endswith(".rs"):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, src)[:-3].replace(os.sep, "::")
            if rel in ("lib", "main"):
                continue
            if rel.endswith("::mod"):
                rel = rel[: -len("::mod")]
            found[rel] = path
    return found


def code(text):
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def layer_of(module, layer):
    # A submodule not listed belongs to its parent's layer (e.g. baggage::header).
    while module not in layer and "::" in module:
        module = module.rsplit("::", 1)[0]
    return layer.get(module)


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "local-runtime/src"
    layer = {m: i for i, group in enumerate(LAYERS) for m in group}
    mods = modules(src)
    problems = []
    for module in sorted(mods):
        if layer_of(module, layer) is None:
            problems.append(f"{module}: not in LAYERS (scripts/layers.py): place it in a layer")
    for module, path in sorted(mods.items()):
        text = open(path, encoding="utf-8").read()
        lines = text.count("\n") + 1
        if lines > MAX_LINES:
            problems.append(f"{module}: {lines} lines, over {MAX_LINES}: split it by concept")
        own = layer_of(module, layer)
        if own is None:
            continue
        for hit in sorted(set(re.findall(r"crate::([A-Za-z_]\w*(?:::[A-Za-z_]\w*)*)", code(text)))):
            parts = hit.split("::")
            target = next(
                ("::".join(parts[:k]) for k in range(len(parts), 0, -1) if "::".join(parts[:k]) in mods),
                None,
            )
            if target is None or target == module or module.startswith(target + "::") or target.startswith(module + "::"):
                continue
            theirs = layer_of(target, layer)
            if theirs is not None and theirs >= own:
                problems.append(
                    f"{module} (layer {own + 1}) -> {target} (layer {theirs + 1}): imports upward or sideways"
                )
    for problem in problems:
        print(problem)
    print(f"layers: {len(mods)} modules in {len(LAYERS)} layers, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
