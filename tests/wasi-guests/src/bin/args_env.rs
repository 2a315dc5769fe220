//! Checks argv and the environment against what the host promises:
//! args are `args_env.wasm first "second arg" ünïcödé`, env is exactly `GREETING=hi` and `EMPTY=`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    assert_eq!(args.len(), 4, "{args:?}");
    assert!(args[0].ends_with("args_env.wasm"), "{args:?}");
    assert_eq!(&args[1..], ["first", "second arg", "ünïcödé"]);
    let mut env: Vec<(String, String)> = std::env::vars().collect();
    env.sort();
    assert_eq!(
        env,
        [
            (String::from("EMPTY"), String::new()),
            (String::from("GREETING"), String::from("hi"))
        ]
    );
    assert_eq!(std::env::var("PATH").ok(), None, "the host environment must not leak");
    println!("args and env ok");
}
