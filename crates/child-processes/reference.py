"""Python reference for the child-processes benchmark.

The same workload as `child-processes bench spawn`: start N no-op children
with multiprocessing.Process, then join them all, and report the cost per
child. It runs once per start method: spawn (a fresh interpreter, as Rust
always does), fork, and forkserver.

Prints `key=value` lines, like the Rust bench:

    python3 reference.py [--children 50] [--methods spawn,fork,forkserver]
"""

import argparse
import multiprocessing
import time


def noop() -> None:
    pass


def ms_per_child(method: str, children: int) -> float:
    context = multiprocessing.get_context(method)
    started = time.perf_counter()
    processes = [context.Process(target=noop) for _ in range(children)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise SystemExit(f"a {method} child ended with exitcode {process.exitcode}")
    return (time.perf_counter() - started) * 1e3 / children


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=50)
    parser.add_argument("--methods", default="spawn,fork,forkserver")
    args = parser.parse_args()
    if args.children < 1:
        parser.error("--children must be at least 1")
    methods = [method for method in args.methods.split(",") if method]
    for method in methods:
        if method not in multiprocessing.get_all_start_methods():
            parser.error(f"start method {method} is not available here")

    print(f"children={args.children}")
    for method in methods:
        print(f"{method}_ms_per_child={ms_per_child(method, args.children):.3f}")


if __name__ == "__main__":
    main()
