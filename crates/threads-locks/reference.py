"""Python reference for the threads-locks benchmarks.

The same workloads as `threads-locks bench` and the `io-bound` demo, written
with the standard library only, so `cargo xtask bench` can run both in one go
and compare them:

  counter   T threads each do N increments of one shared int under a
            threading.Lock (`with lock: counter += 1`); the best of three
            runs, as the Rust bench takes for each of its counters.
  sleep     the seed's io-bound workload: one function sleeps 4 times, the
            other 5 times, first in turn, then in two threads.

Prints `key=value` lines, like the Rust bench:

    python3 reference.py [--workload counter|sleep|all] [--threads 4]
                         [--increments 1000000] [--delay-ms 100]
"""

import argparse
import threading
import time


# How many times the counter workload runs; its best is printed.
TRIALS = 3


def count_with_lock(threads: int, increments: int) -> tuple[int, float]:
    """Returns the final count and the seconds the workers took."""
    counter = 0
    lock = threading.Lock()
    start_line = threading.Barrier(threads)
    spans = []

    def work() -> None:
        nonlocal counter
        start_line.wait()
        started = time.perf_counter()
        for _ in range(increments):
            with lock:
                counter += 1
        spans.append((started, time.perf_counter()))

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    # From the first worker's start to the last worker's end, as in the Rust.
    elapsed = max(end for _, end in spans) - min(start for start, _ in spans)
    return counter, elapsed


def sleep_workload(delay: float) -> tuple[float, float]:
    """Returns the seconds taken sequentially and in two threads."""

    def numbers() -> None:
        for _ in range(4):
            time.sleep(delay)

    def letters() -> None:
        for _ in "abcde":
            time.sleep(delay)

    started = time.perf_counter()
    numbers()
    letters()
    sequential = time.perf_counter() - started

    started = time.perf_counter()
    workers = [threading.Thread(target=numbers), threading.Thread(target=letters)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    threaded = time.perf_counter() - started
    return sequential, threaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=["counter", "sleep", "all"], default="counter")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--increments", type=int, default=1_000_000)
    parser.add_argument("--delay-ms", type=int, default=100)
    args = parser.parse_args()
    if args.threads < 1 or args.increments < 1 or args.delay_ms < 1:
        parser.error("--threads, --increments and --delay-ms must be at least 1")

    if args.workload in ("counter", "all"):
        expected = args.threads * args.increments
        elapsed = None
        for _ in range(TRIALS):
            final, seconds = count_with_lock(args.threads, args.increments)
            if final != expected:
                raise SystemExit(f"the locked counter lost updates: {final} of {expected}")
            elapsed = seconds if elapsed is None else min(elapsed, seconds)
        print(f"threads={args.threads}")
        print(f"increments_per_thread={args.increments}")
        print(f"lock_final={final}")
        print(f"lock_ns_per_increment={elapsed * 1e9 / expected:.2f}")
    if args.workload in ("sleep", "all"):
        sequential, threaded = sleep_workload(args.delay_ms / 1000)
        print(f"sleep_sequential_s={sequential:.3f}")
        print(f"sleep_threaded_s={threaded:.3f}")
        print(f"sleep_speedup={sequential / threaded:.2f}")


if __name__ == "__main__":
    main()
