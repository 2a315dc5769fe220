//! `hello`: startup cost. Prints a greeting and the checksum of the greeting.

fn main() {
    let greeting = "Hello from the Xila bench!";
    println!("{greeting}");
    workloads::print_checksum(format_args!(
        "{:016x}",
        workloads::fnv1a(greeting.as_bytes())
    ));
}
