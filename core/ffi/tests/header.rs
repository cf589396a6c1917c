//! include/logfort.h is committed; it must equal what cbindgen generates
//! from this crate. `make header` (LOGFORT_BLESS=1) rewrites it.

const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/logfort.h"));

#[test]
fn committed_header_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../include/logfort.h");
    if std::env::var_os("LOGFORT_BLESS").is_some() {
        std::fs::write(path, GENERATED).expect("write include/logfort.h");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == GENERATED,
        "include/logfort.h is out of date: run `make header` and commit it"
    );
}
