#!/usr/bin/env bash
# Runs the concurrency tests under ThreadSanitizer: the multi-threaded isolation, stress,
# bridge, drop and thread-critical suites, with the standard library rebuilt instrumented (so
# that its atomics and thread-locals are seen too). Needs a nightly toolchain with `rust-src`
# (installed with rustup when missing). Slow (a full instrumented build): not part of CI; run it
# after changing the runtime, and report the result.
#
#   scripts/tsan.sh                                              # the default suites
#   scripts/tsan.sh -p ctxlocal-tests --test robustness model::  # any other cargo test selection
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup +nightly component list --installed 2>/dev/null | grep -q '^rust-src'; then
    rustup toolchain install nightly --profile minimal --component rust-src
fi
target="$(rustc -vV | sed -n 's/^host: //p')"
if [ "$#" -eq 0 ]; then
    # Test binaries of `ctxlocal-tests`, then the modules (former test files) to run in them.
    set -- -p ctxlocal-tests --test rules --test robustness --test bridges -- \
        isolation:: stress:: bridges:: drops:: thread_critical:: untracked::
fi
export RUSTFLAGS="-Zsanitizer=thread -Cdebug-assertions=on"
export RUSTDOCFLAGS="-Zsanitizer=thread"
# Tokio's and std's own synchronisation is instrumented by build-std; suppress nothing.
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1 second_deadlock_stack=1}"
exec cargo +nightly test -Zbuild-std --target "$target" --target-dir target/tsan "$@"
