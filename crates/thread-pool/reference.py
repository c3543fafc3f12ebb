"""Python reference for the thread-pool benchmarks.

The same workloads as `thread-pool bench`, with the standard library only, so
`cargo xtask bench` can run both in one go and compare them:

  primes  count the primes below --limit, split into --chunks chunks, by the
          same trial division as the Rust: sequentially, with a
          ThreadPoolExecutor and with a ProcessPoolExecutor, each with one
          worker per core.
  tiny    submit --tiny-tasks tiny tasks to a ThreadPoolExecutor, then collect
          every result in submission order.

Prints `key=value` lines, like the Rust bench:

    python3 reference.py [--workload primes|tiny|all] [--limit 3000000]
                         [--chunks 64] [--tiny-tasks 100000]
"""

import argparse
import math
import os
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def is_prime(number: int) -> bool:
    if number < 2:
        return False
    if number % 2 == 0:
        return number == 2
    for divisor in range(3, math.isqrt(number) + 1, 2):
        if number % divisor == 0:
            return False
    return True


def count_in(bounds: tuple[int, int]) -> int:
    start, end = bounds
    return sum(1 for number in range(start, end) if is_prime(number))


def chunks(limit: int, count: int) -> list[tuple[int, int]]:
    """0..limit in `count` nearly equal ranges, as the Rust splits it."""
    count = max(1, min(count, limit))
    base, extra = divmod(limit, count)
    ranges, start = [], 0
    for index in range(count):
        length = base + (1 if index < extra else 0)
        ranges.append((start, start + length))
        start += length
    return ranges


def timed(function):
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def double(number: int) -> int:
    return number * 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=["primes", "tiny", "all"], default="all")
    parser.add_argument("--limit", type=int, default=3_000_000)
    parser.add_argument("--chunks", type=int, default=64)
    parser.add_argument("--tiny-tasks", type=int, default=100_000)
    args = parser.parse_args()
    if args.limit < 2 or args.chunks < 1 or args.tiny_tasks < 1:
        parser.error("--limit must be at least 2, --chunks and --tiny-tasks at least 1")

    workers = os.cpu_count() or 1
    print(f"workers={workers}")
    if args.workload in ("primes", "all"):
        ranges = chunks(args.limit, args.chunks)
        sequential, sequential_s = timed(lambda: sum(map(count_in, ranges)))
        with ThreadPoolExecutor(max_workers=workers) as executor:
            threaded, threads_s = timed(lambda: sum(executor.map(count_in, ranges)))
        with ProcessPoolExecutor(max_workers=workers) as executor:
            # Start the workers before the clock, as the Rust pool exists
            # before its timing starts too.
            list(executor.map(count_in, [(0, 1)] * workers))
            processes, processes_s = timed(lambda: sum(executor.map(count_in, ranges)))
        if not sequential == threaded == processes:
            raise SystemExit(f"the counts differ: {sequential}, {threaded}, {processes}")
        print(f"primes_limit={args.limit}")
        print(f"primes_chunks={args.chunks}")
        print(f"primes_found={sequential}")
        print(f"primes_sequential_s={sequential_s:.4f}")
        print(f"primes_threads_s={threads_s:.4f}")
        print(f"primes_threads_speedup={sequential_s / threads_s:.2f}")
        print(f"primes_processes_s={processes_s:.4f}")
        print(f"primes_processes_speedup={sequential_s / processes_s:.2f}")
        print(f"primes_best_s={min(sequential_s, threads_s, processes_s):.4f}")
    if args.workload in ("tiny", "all"):
        with ThreadPoolExecutor(max_workers=workers) as executor:

            def submit_and_collect() -> int:
                futures = [executor.submit(double, number) for number in range(args.tiny_tasks)]
                return sum(future.result() for future in futures)

            total, tiny_s = timed(submit_and_collect)
        if total != args.tiny_tasks * (args.tiny_tasks - 1):
            raise SystemExit(f"the tiny tasks' results add up to {total}")
        print(f"tiny_tasks={args.tiny_tasks}")
        print(f"tiny_tasks_s={tiny_s:.4f}")
        print(f"tiny_tasks_per_s={args.tiny_tasks / tiny_s:.0f}")


if __name__ == "__main__":
    main()
