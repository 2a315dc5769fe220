//! Guard: WAMR must be built as shipped upstream, without the main workspace's extra C
//! defines. Cargo applies the `[env]` of every `.cargo/config.toml` from the *current
//! directory* upwards, so `cargo build --manifest-path bench/peers/Cargo.toml` run from the
//! repository root would hand WAMR the main workspace's CFLAGS. Build scripts see the same
//! environment as `wamrx-sys`'s, so refuse such a build here.

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    let variables = [
        String::from("CFLAGS"),
        String::from("TARGET_CFLAGS"),
        format!("CFLAGS_{target}"),
        format!("CFLAGS_{}", target.replace('-', "_")),
    ];
    for name in &variables {
        println!("cargo:rerun-if-env-changed={name}");
        if let Ok(value) = std::env::var(name)
            && (value.contains("WASM_") || value.contains("WAMR_"))
        {
            panic!(
                "{name}={value:?} would change WAMR's build; build the peer runners with the \
                 current directory inside bench/peers (its .cargo/config.toml clears CFLAGS) \
                 and without CFLAGS in the environment"
            );
        }
    }
}
