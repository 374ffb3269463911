//! `ctxlocal::baggage::Baggage::parse` against bad and hostile input (feature `baggage`).
//!
//! The W3C Baggage specification (`baggage-string`, `list-member`, `property`, `key`, `value`,
//! OWS, limits of at least 64 members and 8192 bytes) says what a valid header is; a system
//! "MAY remove" an entry that is not in that format. The crate drops every such member alone
//! and keeps the others. This file checks that, and that no input (empty members, bad
//! percent-escapes, oversize members, non-UTF-8 bytes, hundreds of thousands of members)
//! makes parsing panic or allocate without bound. A property test compares the parser with a
//! plain reference model of the grammar on generated headers, and checks invariants on
//! arbitrary bytes.
//!
//! A counting global allocator measures, per thread, the peak of memory held while parsing.
#![cfg(feature = "baggage")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use ctxlocal::baggage::{self, Baggage, MAX_BYTES, MAX_MEMBERS};
use http::{HeaderMap, HeaderValue};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Allocation accounting
// ---------------------------------------------------------------------------------------------

/// The system allocator, counting the bytes held by each thread.
struct Counting;

thread_local! {
    /// Bytes allocated minus bytes freed by this thread.
    static LIVE: Cell<isize> = const { Cell::new(0) };
    /// Highest `LIVE` since the last [`peak_during`] started.
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn track(delta: isize) {
    // `try_with`: the allocator may run while the thread's locals are being torn down.
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds the `GlobalAlloc`
// contract; the bookkeeping only touches `Cell<isize>` thread-locals with constant
// initialisers and no destructors, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            track(layout.size() as isize);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            track(layout.size() as isize);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) };
        track(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            // Count the moment both blocks may exist, then the release of the old one.
            track(new_size as isize);
            track(-(layout.size() as isize));
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns its result with the most bytes this thread held at once meanwhile,
/// above what it held before (the result's own allocations included).
fn peak_during<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let before = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(before));
    let result = f();
    let peak = PEAK.with(Cell::get);
    (result, (peak - before).max(0) as usize)
}

/// What parsing may hold, whatever the input: the kept members (at most `MAX_BYTES` of text in
/// at most `MAX_MEMBERS` entries) with generous room for vector growth and per-member scratch.
const BOUNDED: usize = 64 * 1024;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn pairs(baggage: &Baggage) -> Vec<(String, String)> {
    baggage
        .iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn kv(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// `a=1,<bad>,z=2`: the bad member must go alone.
fn between_good_members(bad: &[u8]) -> Vec<u8> {
    let mut header = b"a=1,".to_vec();
    header.extend_from_slice(bad);
    header.extend_from_slice(b",z=2");
    header
}

fn assert_dropped_alone(bad: &[u8]) {
    let baggage = Baggage::parse(&between_good_members(bad));
    assert_eq!(
        pairs(&baggage),
        kv(&[("a", "1"), ("z", "2")]),
        "member {:?} should have been dropped alone",
        String::from_utf8_lossy(bad)
    );
}

/// Checks what every parse result must satisfy: within the limits, no duplicate keys, and
/// its own encoding is a valid header that parses back to the same list.
fn assert_invariants(baggage: &Baggage) {
    assert!(baggage.len() <= MAX_MEMBERS, "{} members", baggage.len());
    let text = baggage.to_string();
    assert!(text.len() <= MAX_BYTES, "{} bytes", text.len());
    let mut keys: Vec<&str> = baggage.iter().map(|(k, _)| k).collect();
    keys.sort_unstable();
    let before = keys.len();
    keys.dedup();
    assert_eq!(keys.len(), before, "duplicate keys in {baggage:?}");
    match baggage.to_header_value() {
        None => assert!(baggage.is_empty()),
        Some(value) => {
            assert!(!baggage.is_empty());
            assert_eq!(value.as_bytes(), text.as_bytes());
            assert!(text.bytes().all(is_header_text), "{text:?}");
            assert_eq!(&Baggage::parse(value.as_bytes()), baggage, "{text:?}");
        }
    }
}

/// What the crate may send: keys, `=`, `;`, `,` and baggage octets (no space, no quote).
fn is_header_text(b: u8) -> bool {
    is_baggage_octet(b) || b == b';' || b == b','
}

/// `baggage-octet` of the specification.
fn is_baggage_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

/// RFC 7230 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

// ---------------------------------------------------------------------------------------------
// The specification's own examples
// ---------------------------------------------------------------------------------------------

#[test]
fn the_specifications_header_examples_all_read_the_same() {
    let expected = kv(&[
        ("userId", "alice"),
        ("serverNode", "DF 28"),
        ("isProduction", "false"),
    ]);
    let single = Baggage::parse(b"userId=alice,serverNode=DF%2028,isProduction=false");
    assert_eq!(pairs(&single), expected);

    for split in [
        [
            &b"userId=alice"[..],
            b"serverNode=DF%2028,isProduction=false",
        ],
        [
            b"userId =   alice",
            b"serverNode = DF%2028, isProduction = false",
        ],
    ] {
        let mut headers = HeaderMap::new();
        for value in split {
            headers.append(baggage::HEADER, HeaderValue::from_bytes(value).unwrap());
        }
        assert_eq!(pairs(&Baggage::from_headers(&headers)), expected);
    }
}

#[test]
fn properties_are_kept_with_whitespace_trimmed() {
    let baggage = Baggage::parse(
        b"key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue",
    );
    assert_eq!(
        pairs(&baggage),
        kv(&[("key1", "value1"), ("key2", "value2"), ("key3", "value3")])
    );
    assert_eq!(
        baggage.to_string(),
        "key1=value1;property1;property2,key2=value2,key3=value3;propertyKey=propertyValue"
    );
    // OWS around `;` and a property's `=` is trimmed too; property values stay as sent.
    let baggage = Baggage::parse(b"k=v \t; p \t;\tq = r%20s ; t");
    assert_eq!(baggage.to_string(), "k=v;p;q=r%20s;t");
}

#[test]
fn values_may_hold_any_number_of_equal_signs() {
    let baggage = Baggage::parse(b"token=dXNlcjpwYXNz==,eq===,k=a=b=c");
    assert_eq!(
        pairs(&baggage),
        kv(&[("token", "dXNlcjpwYXNz=="), ("eq", "=="), ("k", "a=b=c")])
    );
}

#[test]
fn empty_values_are_valid() {
    let baggage = Baggage::parse(b"a=,b= ,c=\t;p");
    assert_eq!(pairs(&baggage), kv(&[("a", ""), ("b", ""), ("c", "")]));
    assert_eq!(baggage.to_string(), "a=,b=,c=;p");
}

#[test]
fn percent_escapes_decode_to_utf8_in_either_case() {
    let baggage = Baggage::parse(b"a=%C3%A9%e2%82%ac,b=%F0%9F%98%80,c=%25%2c%3B%20,d=%41%7E");
    assert_eq!(
        pairs(&baggage),
        kv(&[
            ("a", "\u{e9}\u{20ac}"),
            ("b", "\u{1F600}"),
            ("c", "%,; "),
            ("d", "A~")
        ])
    );
}

// ---------------------------------------------------------------------------------------------
// Malformed members: dropped alone
// ---------------------------------------------------------------------------------------------

#[test]
fn empty_and_blank_members_are_skipped() {
    for header in [&b""[..], b",", b",,,,", b" , \t, ", b"   ", b"\t"] {
        let baggage = Baggage::parse(header);
        assert!(baggage.is_empty(), "{:?}", String::from_utf8_lossy(header));
        assert_eq!(baggage.to_header_value(), None);
    }
    let baggage = Baggage::parse(b",a=1,, ,b=2,\t,c=3,");
    assert_eq!(pairs(&baggage), kv(&[("a", "1"), ("b", "2"), ("c", "3")]));
}

#[test]
fn bad_percent_escapes_drop_the_member_alone() {
    for bad in [
        &b"k=%"[..],
        b"k=%4",
        b"k=abc%",
        b"k=%zz",
        b"k=%G0",
        b"k=%0G",
        b"k=%%",
        b"k=%%41",
        b"k=%-1",
        b"k=%+1",
        b"k=% 1",
        b"k=100%",
        b"k=50%off",
    ] {
        assert_dropped_alone(bad);
    }
}

#[test]
fn escapes_that_decode_to_invalid_utf8_drop_the_member_alone() {
    for bad in [
        &b"k=%FF"[..],
        b"k=%80",             // a lone continuation byte
        b"k=%C3",             // a truncated sequence
        b"k=%C3%28",          // a bad continuation
        b"k=%C0%AF",          // an overlong `/`
        b"k=%ED%A0%80",       // a UTF-16 surrogate
        b"k=%F4%90%80%80",    // above U+10FFFF
        b"k=ok%F0%9F%98",     // an emoji cut short
        b"k=%E2%82%AC%FF%FE", // valid, then invalid
    ] {
        assert_dropped_alone(bad);
    }
}

#[test]
fn raw_bytes_outside_the_grammar_drop_the_member_alone() {
    for bad in [
        // Raw non-ASCII (not UTF-8, or UTF-8 that should have been escaped): in a value, a
        // key, a property.
        &b"k=\xff"[..],
        b"k=caf\xc3\xa9",
        b"k\xc3\xa9=v",
        b"\xff=v",
        b"k=v;\xffp",
        b"k=v;p=\x80",
        // Characters a value may not hold unescaped.
        b"k=a b",
        b"k=\"quoted\"",
        b"k=back\\slash",
        b"k=tab\tinside",
        b"k=\x01",
        b"k=\x7f",
        // Keys that are not tokens.
        b"bad key=1",
        b"k(1)=v",
        b"k/v=1",
        b"k@host=1",
        b"k{x}=1",
        b"k:=1",
        b"\"k\"=1",
        // Missing parts.
        b"=v",
        b" = v",
        b"noequals",
        b"k",
        // Properties that break the grammar (an empty one, a bad key, a bad value).
        b"k=v;",
        b"k=v;;p",
        b"k=v; ;p",
        b"k=v;bad prop",
        b"k=v;p=a b",
        b"k=v;=x",
        b"k=v;p=\"x\"",
        b"k=v;p(1)",
    ] {
        assert_dropped_alone(bad);
    }
}

#[test]
fn the_first_valid_member_of_a_key_wins() {
    let baggage = Baggage::parse(b"k=%zz,k=first,k=second,j=1,k=third");
    assert_eq!(pairs(&baggage), kv(&[("k", "first"), ("j", "1")]));
    // Keys are case-sensitive.
    let baggage = Baggage::parse(b"K=upper,k=lower");
    assert_eq!(pairs(&baggage), kv(&[("K", "upper"), ("k", "lower")]));
}

#[test]
fn non_utf8_header_values_are_read_member_by_member() {
    // `HeaderValue` accepts obs-text (bytes >= 0x80); `to_str` would refuse the whole value.
    let value = HeaderValue::from_bytes(b"a=1,b=\xe9t\xe9,c=3").unwrap();
    assert!(value.to_str().is_err());
    let mut headers = HeaderMap::new();
    headers.insert(baggage::HEADER, value);
    assert_eq!(
        pairs(&Baggage::from_headers(&headers)),
        kv(&[("a", "1"), ("c", "3")])
    );
}

#[test]
fn garbage_extracts_to_an_empty_context() {
    let mut headers = HeaderMap::new();
    for garbage in [&b",,,"[..], b"\xff\xfe\xfd", b"=;=;=", b"%%%%", b"k=%zz;;;"] {
        headers.append(baggage::HEADER, HeaderValue::from_bytes(garbage).unwrap());
    }
    assert!(Baggage::from_headers(&headers).is_empty());
    assert!(baggage::extract(&headers).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------------

/// `count` members of exactly `size` encoded bytes each, keys `k000`, `k001`, ...
fn members(count: usize, size: usize) -> Vec<String> {
    (0..count)
        .map(|i| {
            let key = format!("k{i:03}");
            let value = "v".repeat(size - key.len() - 1);
            format!("{key}={value}")
        })
        .collect()
}

#[test]
fn the_specifications_minimum_of_64_members_and_8192_bytes_is_kept_exactly() {
    // 63 members of 127 bytes, one of 128, 63 commas: 8192 bytes.
    let mut list = members(63, 127);
    list.push(format!("last={}", "w".repeat(123)));
    let header = list.join(",");
    assert_eq!(header.len(), MAX_BYTES);
    let baggage = Baggage::parse(header.as_bytes());
    assert_eq!(baggage.len(), 64);
    assert_eq!(baggage.to_string(), header);

    // One byte more: the member that does not fit is dropped, whole; the rest is kept.
    let over = format!("{header}x");
    let baggage = Baggage::parse(over.as_bytes());
    assert_eq!(baggage.len(), 63);
    assert_eq!(baggage.get("last"), None);
    assert_eq!(baggage.to_string(), list[..63].join(","));
    assert_invariants(&baggage);
}

#[test]
fn up_to_180_small_members_are_kept_and_the_rest_dropped() {
    let list = members(1_000, 8);
    let baggage = Baggage::parse(list.join(",").as_bytes());
    assert_eq!(baggage.len(), MAX_MEMBERS);
    assert_eq!(baggage.to_string(), list[..MAX_MEMBERS].join(","));
    assert_invariants(&baggage);
}

#[test]
fn an_oversize_member_is_dropped_alone() {
    for size in [MAX_BYTES + 1, 10_000, 100_000] {
        let header = format!("a=1,huge={},b=2", "x".repeat(size));
        let baggage = Baggage::parse(header.as_bytes());
        assert_eq!(pairs(&baggage), kv(&[("a", "1"), ("b", "2")]));
    }
    // The limit counts the encoded size: 3,000 spaces are 9,000 bytes once escaped.
    let header = format!("a=1,spaces={},b=2", "%20".repeat(3_000));
    assert_eq!(
        pairs(&Baggage::parse(header.as_bytes())),
        kv(&[("a", "1"), ("b", "2")])
    );
    // The largest member that fits alone.
    let header = format!("k={}", "x".repeat(MAX_BYTES - 2));
    assert_eq!(Baggage::parse(header.as_bytes()).len(), 1);
}

#[test]
fn members_are_kept_in_order_until_the_bytes_run_out_then_smaller_ones_still_fit() {
    // 100 members of 100 bytes: 81 fit (81*100 + 80 commas = 8180), then a small one fits.
    let mut list = members(100, 100);
    list.push("s=1".into());
    let baggage = Baggage::parse(list.join(",").as_bytes());
    assert_eq!(baggage.len(), 82);
    assert_eq!(baggage.get("k080").map(str::len), Some(95));
    assert_eq!(baggage.get("k081"), None);
    assert_eq!(baggage.get("s"), Some("1"));
    assert_invariants(&baggage);
}

#[test]
fn many_headers_are_one_list_under_the_same_limits() {
    let mut headers = HeaderMap::new();
    for i in 0..10_000 {
        headers.append(
            baggage::HEADER,
            HeaderValue::from_str(&format!("h{i}=v")).unwrap(),
        );
    }
    let baggage = Baggage::from_headers(&headers);
    assert_eq!(baggage.len(), MAX_MEMBERS);
    assert_eq!(baggage.get("h0"), Some("v"));
    assert_eq!(baggage.get("h179"), Some("v"));
    assert_eq!(baggage.get("h180"), None);
}

// ---------------------------------------------------------------------------------------------
// Hostile sizes: bounded memory
// ---------------------------------------------------------------------------------------------

/// Inputs of about `size` bytes meant to make a parser work or allocate.
fn hostile_inputs(size: usize) -> Vec<(&'static str, Vec<u8>)> {
    let repeat = |unit: &str| unit.repeat(size / unit.len()).into_bytes();
    // `k0=value,k1=value,...` up to `size` bytes.
    let distinct = |value: &str| {
        let mut header = String::new();
        for i in 0.. {
            if header.len() >= size {
                break;
            }
            header.push_str(&format!("k{i}={value},"));
        }
        header.into_bytes()
    };
    vec![
        ("many small members", distinct("v")),
        ("one key repeated", repeat("a=1,")),
        ("empty members", repeat(",")),
        ("blank members", repeat(" \t,")),
        ("invalid members", repeat("bad key=1,")),
        ("bad escapes", repeat("k=%zz,")),
        ("oversize members, each dropped", {
            let member = format!("k={},", "x".repeat(MAX_BYTES));
            member.repeat(size / member.len()).into_bytes()
        }),
        ("members that stop fitting", distinct(&"v".repeat(40))),
        ("non-UTF-8 bytes", vec![0xff; size]),
        ("equal signs", repeat("=")),
        ("semicolons", repeat(";")),
    ]
}

/// Inputs that are one member of about `size` bytes, all of it in one part.
fn one_huge_member(size: usize) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "one huge value",
            format!("k={}", "x".repeat(size)).into_bytes(),
        ),
        (
            "one huge escaped value",
            format!("k={}", "%41".repeat(size / 3)).into_bytes(),
        ),
        (
            "one huge key",
            format!("{}=v", "k".repeat(size)).into_bytes(),
        ),
        (
            "one member with a huge property list",
            format!("k=v{}", ";p".repeat(size / 2)).into_bytes(),
        ),
        (
            "one huge property value",
            format!("k=v;p={}", "x".repeat(size)).into_bytes(),
        ),
    ]
}

const MIB: usize = 1024 * 1024;

#[test]
fn hostile_input_parses_in_bounded_memory() {
    for (what, input) in hostile_inputs(MIB) {
        let (baggage, peak) = peak_during(|| Baggage::parse(&input));
        assert!(
            peak <= BOUNDED,
            "{what}: {peak} bytes held while parsing {} bytes",
            input.len()
        );
        assert_invariants(&baggage);
    }
}

#[test]
fn a_huge_member_costs_memory_at_most_linear_in_its_size() {
    // Whatever the parser does with one member, it never holds more than a small multiple of
    // the input (which the HTTP stack already holds), and the member is dropped.
    for (what, input) in one_huge_member(MIB) {
        let (baggage, peak) = peak_during(|| Baggage::parse(&input));
        assert!(
            peak <= 4 * input.len() + BOUNDED,
            "{what}: {peak} bytes held while parsing {} bytes",
            input.len()
        );
        assert!(baggage.is_empty(), "{what}");
    }
}

/// The module documentation promises more: "parsing allocates nothing beyond those limits
/// whatever the input". A member larger than `MAX_BYTES` is copied whole before it is found
/// too large (its decoded value, its key, its properties), so one 1 MiB member makes the parser
/// hold 1 MiB more.
#[test]
fn a_huge_member_is_dropped_without_copying_it() {
    let mut failures = Vec::new();
    for (what, input) in one_huge_member(MIB) {
        let (baggage, peak) = peak_during(|| Baggage::parse(&input));
        assert!(baggage.is_empty(), "{what}");
        if peak > BOUNDED {
            failures.push(format!(
                "{what}: {peak} bytes held for {} bytes of input",
                input.len()
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

// ---------------------------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------------------------

/// A member the generator writes, valid or not.
#[derive(Clone, Debug)]
enum Gen {
    Valid {
        key: String,
        value: String,
        properties: Vec<(String, Option<String>)>,
        /// Which optional whitespace to write, and where: bits pick the places.
        ows: u8,
        /// Escape with lowercase hex digits.
        lowercase: bool,
        /// Also escape some bytes that need no escaping.
        over_escape: bool,
    },
    Invalid(Vec<u8>),
}

fn key_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        // A small pool, so that duplicates happen.
        prop::sample::select(vec!["a", "b", "k", "user.id", "request_id", "X-Y"])
            .prop_map(str::to_owned),
        "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}",
    ]
}

fn value_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9]{0,8}",
        // Anything, including `%`, `,`, `;`, `=`, quotes, controls and non-ASCII.
        any::<String>(),
        "[ =%,;\"\\\\\t]{0,6}",
        // Large, to reach the byte limit.
        (b'a'..=b'z', 100..3000usize).prop_map(|(c, n)| char::from(c).to_string().repeat(n)),
    ]
}

fn property_strategy() -> impl Strategy<Value = (String, Option<String>)> {
    (
        "[a-z0-9!#$%&'*+.^_`|~-]{1,6}",
        prop::option::of("[!#-+\\--:<-\\[\\]-~]{0,6}"),
    )
}

/// Snippets that break the grammar; none contains `,` (which would split it in two).
fn invalid_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"".to_vec()),
        Just(b" \t ".to_vec()),
        Just(b"noequals".to_vec()),
        Just(b"=v".to_vec()),
        Just(b"bad key=v".to_vec()),
        Just(b"k(x)=v".to_vec()),
        Just(b"k=a b".to_vec()),
        Just(b"k=\"q\"".to_vec()),
        Just(b"k=a\\b".to_vec()),
        Just(b"k=%".to_vec()),
        Just(b"k=%4".to_vec()),
        Just(b"k=%zz".to_vec()),
        Just(b"k=%FF".to_vec()),
        Just(b"k=%C3%28".to_vec()),
        Just(b"k=%ED%A0%80".to_vec()),
        Just(b"k=\xc3\xa9".to_vec()),
        Just(b"k=v;".to_vec()),
        Just(b"k=v;bad p".to_vec()),
        Just(b"k=v;p=a b".to_vec()),
        // Random bytes with one that is never valid in a member.
        (
            prop::collection::vec(any::<u8>(), 0..12),
            prop::sample::select(vec![b'"', b'\\', 0x00, 0x80, 0xff])
        )
            .prop_map(|(mut bytes, poison)| {
                bytes.retain(|&b| b != b',');
                bytes.insert(bytes.len() / 2, poison);
                // `k=` in front, so that it is never an all-whitespace member either.
                let mut member = b"k=".to_vec();
                member.extend(bytes);
                member
            }),
    ]
}

fn member_strategy() -> impl Strategy<Value = Gen> {
    prop_oneof![
        4 => (
            key_strategy(),
            value_strategy(),
            prop::collection::vec(property_strategy(), 0..3),
            any::<u8>(),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(key, value, properties, ows, lowercase, over_escape)| Gen::Valid {
                key,
                value,
                properties,
                ows,
                lowercase,
                over_escape,
            }),
        1 => invalid_strategy().prop_map(Gen::Invalid),
    ]
}

fn ows(bits: u8, bit: u8) -> &'static str {
    match (bits >> bit) & 0b11 {
        0 | 1 => "",
        2 => " ",
        _ => " \t ",
    }
}

/// Percent-encodes `value` the way any conforming producer may: every byte that is not a
/// baggage octet, and `%`, escaped; optionally more.
fn write_value(value: &str, lowercase: bool, over_escape: bool, out: &mut Vec<u8>) {
    for (i, b) in value.bytes().enumerate() {
        let must = !is_baggage_octet(b) || b == b'%';
        let may = over_escape && i % 3 == 0;
        if must || may {
            let escape = if lowercase {
                format!("%{b:02x}")
            } else {
                format!("%{b:02X}")
            };
            out.extend_from_slice(escape.as_bytes());
        } else {
            out.push(b);
        }
    }
}

/// The header bytes for the generated members.
fn write_header(members: &[Gen]) -> Vec<u8> {
    let mut out = Vec::new();
    for (index, member) in members.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        match member {
            Gen::Valid {
                key,
                value,
                properties,
                ows: bits,
                lowercase,
                over_escape,
            } => {
                out.extend_from_slice(ows(*bits, 0).as_bytes());
                out.extend_from_slice(key.as_bytes());
                out.extend_from_slice(ows(*bits, 2).as_bytes());
                out.push(b'=');
                out.extend_from_slice(ows(*bits, 4).as_bytes());
                write_value(value, *lowercase, *over_escape, &mut out);
                for (name, value) in properties {
                    out.extend_from_slice(ows(*bits, 6).as_bytes());
                    out.push(b';');
                    out.extend_from_slice(ows(*bits, 6).as_bytes());
                    out.extend_from_slice(name.as_bytes());
                    if let Some(value) = value {
                        out.extend_from_slice(ows(*bits, 2).as_bytes());
                        out.push(b'=');
                        out.extend_from_slice(ows(*bits, 4).as_bytes());
                        out.extend_from_slice(value.as_bytes());
                    }
                }
                out.extend_from_slice(ows(*bits, 0).as_bytes());
            }
            Gen::Invalid(bytes) => out.extend_from_slice(bytes),
        }
    }
    out
}

/// The crate's own encoding of a value: what a conforming producer must escape, plus `=`
/// (which it escapes for parsers, like OpenTelemetry's, that split values at `=`), uppercase.
fn write_canonical_value(value: &str, out: &mut Vec<u8>) {
    for b in value.bytes() {
        if !is_baggage_octet(b) || b == b'%' || b == b'=' {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        } else {
            out.push(b);
        }
    }
}

/// The reference model: the members a conforming parser keeps, with the crate's documented
/// choices (first valid member of a key wins; keep members in order while they fit in
/// `MAX_MEMBERS` members and `MAX_BYTES` bytes of canonical encoding, skipping the ones that
/// do not fit), as `(key, value, canonical member text)`.
fn model(members: &[Gen]) -> Vec<(String, String, String)> {
    let mut kept: Vec<(String, String, String)> = Vec::new();
    let mut bytes = 0;
    for member in members {
        if kept.len() >= MAX_MEMBERS {
            break;
        }
        let Gen::Valid {
            key,
            value,
            properties,
            ..
        } = member
        else {
            continue;
        };
        if kept.iter().any(|(k, _, _)| k == key) {
            continue;
        }
        let mut text = format!("{key}=").into_bytes();
        write_canonical_value(value, &mut text);
        for (name, value) in properties {
            text.push(b';');
            text.extend_from_slice(name.as_bytes());
            if let Some(value) = value {
                text.push(b'=');
                text.extend_from_slice(value.as_bytes());
            }
        }
        let text = String::from_utf8(text).unwrap();
        let total = bytes + usize::from(!kept.is_empty()) + text.len();
        if total > MAX_BYTES {
            continue;
        }
        bytes = total;
        kept.push((key.clone(), value.clone(), text));
    }
    kept
}

proptest! {
    /// Any bytes: no panic, and the result satisfies every invariant.
    #[test]
    fn arbitrary_bytes_never_break_the_parser(
        header in prop::collection::vec(
            prop_oneof![
                3 => any::<u8>(),
                2 => prop::sample::select(b",;=% \t%aAzZ09.-\"\\".to_vec()),
            ],
            0..400,
        )
    ) {
        let baggage = Baggage::parse(&header);
        assert_invariants(&baggage);
        // Every kept key is a token and appears in the input.
        for (key, _) in baggage.iter() {
            prop_assert!(!key.is_empty() && key.bytes().all(is_tchar), "{key:?}");
            prop_assert!(header.windows(key.len()).any(|w| w == key.as_bytes()));
        }
    }

    /// Generated headers (valid members with random whitespace, escapes, properties and
    /// duplicate keys, mixed with invalid ones): the parser keeps exactly what the model keeps.
    #[test]
    fn parsing_matches_the_reference_model(
        members in prop::collection::vec(member_strategy(), 0..40)
    ) {
        let header = write_header(&members);
        let baggage = Baggage::parse(&header);
        let expected = model(&members);
        let got: Vec<(&str, &str)> = baggage.iter().collect();
        let want: Vec<(&str, &str)> =
            expected.iter().map(|(k, v, _)| (k.as_str(), v.as_str())).collect();
        prop_assert_eq!(got, want, "header {:?}", String::from_utf8_lossy(&header));
        let text: Vec<&str> = expected.iter().map(|(_, _, t)| t.as_str()).collect();
        prop_assert_eq!(baggage.to_string(), text.join(","));
        assert_invariants(&baggage);
    }

    /// Splitting a header into several `baggage` headers at member boundaries changes nothing.
    #[test]
    fn several_headers_read_as_one_list(
        members in prop::collection::vec(member_strategy(), 1..20),
        split in any::<prop::sample::Index>(),
    ) {
        // Header values may not hold control characters: swap them for `"`, still invalid.
        let members: Vec<Gen> = members
            .into_iter()
            .map(|member| match member {
                Gen::Invalid(bytes) => Gen::Invalid(
                    bytes
                        .into_iter()
                        .map(|b| if (b < 0x20 && b != b'\t') || b == 0x7f { b'"' } else { b })
                        .collect(),
                ),
                valid => valid,
            })
            .collect();
        let at = split.index(members.len() + 1);
        let mut headers = HeaderMap::new();
        for part in [&members[..at], &members[at..]] {
            let bytes = write_header(part);
            headers.append(baggage::HEADER, HeaderValue::from_bytes(&bytes).unwrap());
        }
        prop_assert_eq!(
            Baggage::from_headers(&headers),
            Baggage::parse(&write_header(&members))
        );
    }
}
