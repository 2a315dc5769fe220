# Records the reference output of a WASI test program under wasmtime, the reference
# implementation of WASI preview1 (wasmtime-py from PyPI: `pip install wasmtime`; the
# recorded files were made with wasmtime-py 40.0.1).
#
#   python3 run_wasmtime.py PROGRAM.wasm ROOT_DIR [ARGS...] > expected/PROGRAM.stdout
#
# ROOT_DIR is preopened as "/", like the test suite does with its backends.
import sys, wasmtime
def run(path, preopen, args, env):
    engine = wasmtime.Engine()
    module = wasmtime.Module.from_file(engine, path)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    store = wasmtime.Store(engine)
    cfg = wasmtime.WasiConfig()
    cfg.argv = args
    cfg.env = env
    cfg.inherit_stdout(); cfg.inherit_stderr(); cfg.inherit_stdin()
    if preopen: cfg.preopen_dir(preopen, "/")
    store.set_wasi(cfg)
    inst = linker.instantiate(store, module)
    try:
        inst.exports(store)["_start"](store)
        return 0
    except wasmtime.ExitTrap as e:
        return e.code
    except wasmtime.Trap as e:
        print("trap:", e, file=sys.stderr); return 134
if __name__ == "__main__":
    path, root = sys.argv[1], sys.argv[2]
    env = [("GREETING","hi"),("EMPTY","")]
    sys.exit(run(path, root, [path.split('/')[-1]] + sys.argv[3:], env))
