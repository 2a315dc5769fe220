;; loop.wat: a guest that never returns, to show the VM's limits stopping it.
;;
;;   xila-vm run loop.wasm --timeout 200ms --invoke spin    # exit 124: timeout
;;   xila-vm run loop.wasm --fuel 1000000 --invoke spin     # exit 152: budget exhausted
;;     (--fuel only in a build with instruction metering, see the README)
(module
  (func (export "spin")
    (local $count i64)
    (loop $forever
      (local.set $count (i64.add (local.get $count) (i64.const 1)))
      (br $forever))))
