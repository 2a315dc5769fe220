//! Prints a greeting and its arguments.
fn main() {
    println!("hello from wasi");
    for (index, arg) in std::env::args().enumerate() {
        println!("arg {index}: {arg}");
    }
    eprintln!("to stderr");
}
