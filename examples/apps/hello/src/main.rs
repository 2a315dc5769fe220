//! Prints a greeting and the arguments it was given.

fn main() {
    println!("Hello from a Xila app!");
    let args: Vec<String> = std::env::args().skip(1).collect();
    println!("{} argument(s): {:?}", args.len(), args);
}
