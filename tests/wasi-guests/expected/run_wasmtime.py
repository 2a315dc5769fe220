# Records the reference output of a WASI test program under wasmtime, the reference
# implementation of WASI preview1 (wasmtime-py from PyPI: `pip install wasmtime`; probe.stdout
# was recorded with wasmtime-py 40 and is unchanged under 50.0.1, probe_fd.stdout and
# probe_misc.stdout were recorded with 50.0.1).
#
#   python3 run_wasmtime.py [--env K=V]... PROGRAM.wasm ROOT_DIR [ARGS...] > expected/PROGRAM.stdout
#
# ROOT_DIR (a fresh, empty directory) is preopened as "/", like the test suite does with its
# backends; stdin should be /dev/null. Without --env the environment is GREETING=hi EMPTY=.
# probe_misc.stdout: --env GREETING=hi --env EMPTY= --env EQ=x=y=z, arguments a "" ü b=c.
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
    argv, env = sys.argv[1:], []
    while argv[:1] == ["--env"]:
        key, _, value = argv[1].partition("=")
        env.append((key, value))
        argv = argv[2:]
    if not env:
        env = [("GREETING","hi"),("EMPTY","")]
    path, root = argv[0], argv[1]
    sys.exit(run(path, root, [path.split('/')[-1]] + argv[2:], env))
