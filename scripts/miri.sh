#!/usr/bin/env bash
# Runs the runtime's unit tests and its borrowing tests under Miri, which checks the `unsafe`
# code (shared.rs, table.rs) and the borrowing rules of state.rs and tc.rs for undefined
# behaviour. Needs a nightly toolchain with the `miri` and `rust-src` components; where there
# is none, it says so and exits successfully (it is not part of CI, which has no nightly).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo +nightly miri --version >/dev/null 2>&1; then
    echo "miri: skipped (no nightly toolchain with the miri component;" \
         "rustup toolchain install nightly --component miri rust-src)"
    exit 0
fi
export MIRIFLAGS="${MIRIFLAGS:--Zmiri-strict-provenance}"
exec cargo +nightly miri test -p ctxlocal-runtime --lib --test borrowing "$@"
