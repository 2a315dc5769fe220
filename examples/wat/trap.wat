;; trap.wat: signed i32 division; dividing by zero traps.
;;
;;   xila-vm run trap.wasm --invoke divide 7 2     # prints 3
;;   xila-vm run trap.wasm --invoke divide 1 0     # exit 134: trap (integer divide by zero)
(module
  (func (export "divide") (param $a i32) (param $b i32) (result i32)
    (i32.div_s (local.get $a) (local.get $b))))
