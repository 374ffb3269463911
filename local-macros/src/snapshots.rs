//! Expansion snapshots: each `expand/<name>.rs` input is expanded, formatted with
//! `prettyplease`, and compared with the checked-in `expand/<name>.expanded.rs`, so a reviewer
//! can read exactly what the macro emits and see every change to it in a diff. Run with
//! `CTXLOCAL_BLESS=1` to rewrite the snapshots after a deliberate change.

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
    let model = crate::model(args, &item)
        .unwrap_or_else(|(errors, _)| panic!("snapshot inputs are valid: {errors}"));
    let tokens = crate::expand::expand(&model);
    let file = syn::parse2::<syn::File>(tokens).expect("the expansion is valid Rust syntax");
    prettyplease::unparse(&file)
}

#[test]
fn expansions_match_the_checked_in_snapshots() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("expand");
    let bless = std::env::var_os("CTXLOCAL_BLESS").is_some();
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension().is_some_and(|e| e == "rs")
                && !path.to_string_lossy().ends_with(".expanded.rs")
        })
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no inputs in {}", dir.display());
    let mut stale = Vec::new();
    for input in inputs {
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
