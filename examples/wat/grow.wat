;; grow.wat: asks for more linear memory than the host allows.
;;
;; The module starts with one 64 KiB page and no declared maximum; `grow` asks for two more.
;; Under a 2-page limit memory.grow fails and returns -1: the guest sees a normal failure,
;; the host is unaffected.
;;
;;   xila-vm run grow.wasm --max-memory 2 --invoke grow     # prints -1
;;   xila-vm run grow.wasm --invoke grow                    # prints 1 (the old size in pages)
;;   xila-vm run grow.wasm --invoke pages                   # prints 1
(module
  (memory (export "memory") 1)
  (func (export "grow") (result i32)
    (memory.grow (i32.const 2)))
  (func (export "pages") (result i32)
    (memory.size)))
