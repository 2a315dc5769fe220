#!/bin/bash
# Runs every workload once under xila-vm and natively, checks that the checksum lines agree and
# prints the wall times (a sanity check of the sizes, not a benchmark: the harness does that).
# Build first: the workloads (see README.md) and `cargo build --release -p vm-cli`.
# XILA_VM overrides the runner; scratch directories: $BENCH_TMP/{vm,native} (default /tmp/xila-bench).
set -u
cd "$(dirname "$0")"
W=$PWD/target
VM=${XILA_VM:-$PWD/../../target/release/xila-vm}
TMP=${BENCH_TMP:-/tmp/xila-bench}
mkdir -p "$TMP/vm" "$TMP/native"
args=(); vm_env=(); native_env=()
for i in $(seq -f %03g 0 99); do
  args+=("arg-$i"); vm_env+=(--env "BENCH_ENV_$i=value-$i"); native_env+=("BENCH_ENV_$i=value-$i")
done
now() { date +%s.%N; }
fail=0
printf "%-12s %8s %8s  %s\n" workload vm_s native_s checksum
for w in hello args-env fib sha256 nbody sort hashmap write-small read-chunks clock stat readdir open-close; do
  a=(); e=(); ne=()
  if [ "$w" = args-env ]; then a=("${args[@]}"); e=("${vm_env[@]}"); ne=("${native_env[@]}"); fi
  if [ "$w" = write-small ]; then
    # stdout (the records) to /dev/null, the checksum line from stderr
    t0=$(now); c1=$("$VM" run "$W/wasm32-wasip1/release/$w.wasm" 2>&1 >/dev/null | grep '^checksum:')
    t1=$(now); c2=$("$W/release/$w" 2>&1 >/dev/null | grep '^checksum:'); t2=$(now)
  else
    t0=$(now); c1=$("$VM" run "$W/wasm32-wasip1/release/$w.wasm" --dir "$TMP/vm::/" "${e[@]}" -- "${a[@]}" | grep '^checksum:')
    t1=$(now); c2=$(env BENCH_ROOT="$TMP/native" "${ne[@]}" "$W/release/$w" "${a[@]}" | grep '^checksum:'); t2=$(now)
  fi
  status=OK
  if [ -z "$c1" ] || [ "$c1" != "$c2" ]; then status="MISMATCH vm=[$c1] native=[$c2]"; fail=1; fi
  awk -v w="$w" -v a="$t0" -v b="$t1" -v c="$t2" -v s="${c1#checksum: } $status" \
    'BEGIN { printf "%-12s %8.3f %8.3f  %s\n", w, b - a, c - b, s }'
done
exit $fail
