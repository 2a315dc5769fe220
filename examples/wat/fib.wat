;; fib.wat: the n-th Fibonacci number, computed iteratively in 64 bits.
;;
;;   xila-vm run fib.wasm --invoke fib 20      # prints 6765
;;   xila-vm run fib.wasm --invoke fib 90      # prints 2880067194370816120
;;
;; fib(0) = 0, fib(1) = 1; a negative n gives 0.
(module
  (func (export "fib") (param $n i32) (result i64)
    (local $a i64)
    (local $b i64)
    (local $next i64)
    (local.set $b (i64.const 1))
    (block $done
      (loop $step
        (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
        (local.set $next (i64.add (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $next))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $step)))
    (local.get $a)))
