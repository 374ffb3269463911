//! Expansion snapshots: each `expand/<name>.rs` input is expanded, formatted with
//! `prettyplease`, and compared with the checked-in `expand/<name>.expanded.rs`, so a reviewer
//! can read exactly what the macro emits and see every change to it in a diff. Run with
//! `CTXLOCAL_BLESS=1` to rewrite the snapshots after a deliberate change.
//!
//! Also the size of the expansion per field, measured the same way: see
//! [`lines_per_field`].

use std::path::Path;

use quote::ToTokens;

/// Splits an input file into the `#[async_local(...)]` arguments and the item without it.
fn split(source: &str) -> (proc_macro2::TokenStream, syn::DeriveInput) {
    let mut item: syn::DeriveInput = syn::parse_str(source).expect("input parses as a struct");
    let position = item
        .attrs
        .iter()
        .position(|attr| attr.path().is_ident("async_local"))
        .expect("input has #[async_local]");
    let attr = item.attrs.remove(position);
    let args = match attr.meta {
        syn::Meta::Path(_) => proc_macro2::TokenStream::new(),
        syn::Meta::List(list) => list.tokens,
        syn::Meta::NameValue(meta) => meta.into_token_stream(),
    };
    (args, item)
}

fn expand_file(path: &Path) -> String {
    let source = std::fs::read_to_string(path).unwrap();
    let (args, item) = split(&source);
    expand_item(args, &item)
}

/// The expansion of `item` (without its `#[async_local(args)]`), pretty-printed.
fn expand_item(args: proc_macro2::TokenStream, item: &syn::DeriveInput) -> String {
    let model = crate::model(args, item)
        .unwrap_or_else(|(errors, _)| panic!("snapshot inputs are valid: {errors}"));
    let tokens = crate::expand::expand(&model);
    let file = syn::parse2::<syn::File>(tokens).expect("the expansion is valid Rust syntax");
    prettyplease::unparse(&file)
}

fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut inputs: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension().is_some_and(|e| e == "rs")
                && !path.to_string_lossy().ends_with(".expanded.rs")
        })
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no inputs in {}", dir.display());
    inputs
}

#[test]
fn expansions_match_the_checked_in_snapshots() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("expand");
    let bless = std::env::var_os("CTXLOCAL_BLESS").is_some();
    let mut stale = Vec::new();
    for input in inputs(&dir) {
        let expanded = expand_file(&input);
        let snapshot = input.with_extension("expanded.rs");
        if bless {
            std::fs::write(&snapshot, &expanded).unwrap();
            continue;
        }
        match std::fs::read_to_string(&snapshot) {
            Ok(expected) if expected == expanded => {}
            _ => stale.push(snapshot.display().to_string()),
        }
    }
    assert!(
        stale.is_empty(),
        "expansion changed for {stale:?}; review with `CTXLOCAL_BLESS=1 cargo test -p \
         ctxlocal-macros` and `git diff`"
    );
}

/// What one more field costs, in pretty-printed lines of expansion: for each snapshot input,
/// (lines of its expansion - lines of the same input without its fields) / number of fields.
/// This counts everything a field brings (its accessors with their docs, its slot, its
/// description for the runtime, its part of the options' code), so it is higher than the
/// accessors alone. `cargo test -p ctxlocal-macros lines_per_field -- --nocapture` prints it.
///
/// The budget is a guard against regressions, not the figure to reach: see the closing note of
/// issue 13 for what the lines are.
#[test]
fn lines_per_field() {
    // 110 before issue 17 added `with_<field>_or_init`, about 10 lines per field.
    const BUDGET: usize = 120;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("expand");
    for input in inputs(&dir) {
        let (args, item) = split(&std::fs::read_to_string(&input).unwrap());
        let mut without_fields = item.clone();
        let syn::Data::Struct(data) = &mut without_fields.data else {
            panic!("snapshot inputs are structs");
        };
        let syn::Fields::Named(named) = &mut data.fields else {
            panic!("snapshot inputs have named fields");
        };
        let fields = named.named.len();
        named.named.clear();
        let lines = expand_item(args.clone(), &item).lines().count();
        let base = expand_item(args, &without_fields).lines().count();
        let per_field = (lines - base) / fields;
        eprintln!(
            "{}: {lines} lines, {base} without its {fields} field(s): {per_field} per field",
            input.file_name().unwrap().to_string_lossy()
        );
        assert!(
            per_field <= BUDGET,
            "{per_field} lines per field, over {BUDGET}"
        );
    }
}
