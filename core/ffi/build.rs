//! Generates the C header into OUT_DIR; tests/header.rs checks that the
//! committed include/logfort.h matches it (and rewrites it on request).

fn main() {
    let crate_dir = std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo");
    let out =
        std::path::PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("logfort.h");
    let config =
        cbindgen::Config::from_file(format!("{crate_dir}/cbindgen.toml")).expect("cbindgen.toml");
    cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate the header")
        .write_to_file(&out);
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
}
