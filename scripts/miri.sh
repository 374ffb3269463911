#!/usr/bin/env bash
# Runs the runtime's unit tests and its borrowing tests under Miri, which checks the `unsafe`
# code (cell_pool.rs, cow_arc.rs, table/) and the borrowing rules of thread_state/ and thread_critical.rs for undefined
# behaviour and leaks. Needs a nightly toolchain with the `miri` and `rust-src` components: it
# installs them with rustup when they are missing, and only when that is impossible (no rustup,
# no network) says so and exits successfully. `.ci/run` calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo +nightly miri --version >/dev/null 2>&1; then
    if command -v rustup >/dev/null 2>&1; then
        rustup toolchain install nightly --profile minimal --component miri --component rust-src \
            >/dev/null 2>&1 || true
        rustup component add --toolchain nightly miri rust-src >/dev/null 2>&1 || true
    fi
fi
if ! cargo +nightly miri --version >/dev/null 2>&1; then
    echo "miri: SKIPPED (no nightly toolchain with the miri component could be installed;" \
         "rustup toolchain install nightly --component miri rust-src)"
    exit 0
fi
export MIRIFLAGS="${MIRIFLAGS:--Zmiri-strict-provenance}"
cargo +nightly miri setup >/dev/null 2>&1 || true
exec cargo +nightly miri test -p ctxlocal-runtime --lib --test borrowing "$@"
