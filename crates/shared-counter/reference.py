"""Python reference for the shared-counter benchmark.

The seed's workload with the standard library only: P processes each add 1
to one `multiprocessing.Value('i', 0)` N times under its `get_lock()`. The
same as `shared-counter bench` runs with its robust lock, so
`cargo xtask bench` can compare the two in one go.

Prints `key=value` lines, like the Rust bench:

    python3 reference.py [--processes 4] [--increments 1000000]
"""

import argparse
import multiprocessing
import time


def increment(value, increments: int, start_line, spans) -> None:
    start_line.wait()
    started = time.monotonic()
    for _ in range(increments):
        with value.get_lock():
            value.value += 1
    spans.put((started, time.monotonic()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--increments", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.processes < 1 or args.increments < 1:
        parser.error("--processes and --increments must be at least 1")

    # A 64-bit counter, so a long run cannot overflow it.
    value = multiprocessing.Value("q", 0)
    start_line = multiprocessing.Barrier(args.processes)
    spans = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(target=increment, args=(value, args.increments, start_line, spans))
        for _ in range(args.processes)
    ]
    for worker in workers:
        worker.start()
    # time.monotonic is CLOCK_MONOTONIC, shared by every process, as in the
    # Rust: the span runs from the first start to the last finish.
    collected = [spans.get() for _ in workers]
    for worker in workers:
        worker.join()
        if worker.exitcode != 0:
            raise SystemExit(f"a worker failed with exit code {worker.exitcode}")
    expected = args.processes * args.increments
    if value.value != expected:
        raise SystemExit(f"the locked counter lost updates: {value.value} of {expected}")
    elapsed = max(end for _, end in collected) - min(start for start, _ in collected)
    print(f"processes={args.processes}")
    print(f"increments_per_process={args.increments}")
    print(f"locked_final={value.value}")
    print(f"locked_per_s={expected / elapsed:.0f}")


if __name__ == "__main__":
    main()
