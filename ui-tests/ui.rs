//! Compile-time behaviour of `#[async_local]`: every misuse is a spanned error (one mistake
//! per file under `ui-tests/fail/`, with its expected `.stderr`), and the supported forms
//! compile (`ui-tests/pass/`). Run with `cargo test -p ctxlocal-ui-tests`; regenerate the
//! `.stderr` files with `TRYBUILD=overwrite cargo test -p ctxlocal-ui-tests`, then review the
//! diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("fail/*.rs");
    cases.pass("pass/*.rs");
}
