//! Compile-time behaviour of `#[async_local]`: every misuse is a spanned error (one mistake
//! per file under `ui-tests/fail/`, with its expected `.stderr`), and the supported forms
//! compile (`ui-tests/pass/`). Regenerate the `.stderr` files with `TRYBUILD=overwrite`, then
//! review the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui-tests/fail/*.rs");
    cases.pass("ui-tests/pass/*.rs");
}
