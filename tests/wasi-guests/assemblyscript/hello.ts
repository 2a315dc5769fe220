// Standard streams, arguments, environment and exit status through @assemblyscript/wasi-shim.
// Prints a greeting and its arguments to stdout and one line to stderr, checks that the
// environment is exactly GREETING=hi and EMPTY= (empty), counts the bytes on stdin, then
// exits with N when an argument `--exit=N` is given (0 otherwise).

function check(ok: bool, what: string): void {
  if (!ok) {
    console.log("FAIL: " + what);
    process.exit(1);
  }
}

console.log("hello from assemblyscript");
const argv = process.argv;
for (let i = 0; i < argv.length; i++) {
  console.log("arg " + i.toString() + ": " + argv[i]);
}

const env = process.env;
check(env.size == 2, "environment has " + env.size.toString() + " variables, expected 2");
check(env.has("GREETING") && env.get("GREETING") == "hi", "GREETING=hi");
check(env.has("EMPTY") && env.get("EMPTY") == "", "EMPTY is set and empty");
check(!env.has("PATH"), "PATH is not inherited");

process.stderr.write("to stderr\n");

const buffer = new ArrayBuffer(1000);
let total = 0;
let checksum: u32 = 0;
while (true) {
  const read = process.stdin.read(buffer);
  if (read == 0) break;
  const bytes = Uint8Array.wrap(buffer, 0, read);
  for (let i = 0; i < read; i++) checksum = checksum * 31 + <u32>bytes[i];
  total += read;
}
console.log("stdin: " + total.toString() + " bytes, checksum " + checksum.toString());

let code = 0;
for (let i = 1; i < argv.length; i++) {
  if (argv[i].startsWith("--exit=")) code = I32.parseInt(argv[i].substring(7));
}
if (code != 0) process.exit(code);
