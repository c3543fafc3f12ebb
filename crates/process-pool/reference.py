"""Python reference for the process-pool benchmarks.

The same three workloads as `process-pool bench`, with the standard library
only, so `cargo xtask bench` can compare them in one go:

  map     square each of --map-items ints with multiprocessing.Pool.map;
          ProcessPoolExecutor.map (chunksize 1, its default) is timed on at
          most 20,000 of them, since at ~10k/s a million would take minutes;
  tiny    submit --tiny-tasks tiny tasks to a ProcessPoolExecutor and take
          every result from as_completed;
  round   submit one tiny task and wait for its result, --round-trips times:
          the median and the 99th percentile of that round trip, in µs;
  primes  count the primes below --limit in 64 chunks, with 1 worker and with
          --workers workers (the same trial division as the Rust).

Prints `key=value` lines, like the Rust bench:

    python3 reference.py [--workers 2] [--map-items 1000000]
                         [--tiny-tasks 20000] [--round-trips 2000]
                         [--limit 3000000]
"""

import argparse
import math
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor, as_completed


# ProcessPoolExecutor.map is timed on at most this many items.
EXECUTOR_MAP_ITEMS = 20_000


def square(number: int) -> int:
    return number * number


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


def primes_seconds(limit: int, workers: int) -> tuple[int, float]:
    step = -(-limit // 64)
    chunks = [(chunk * step, min((chunk + 1) * step, limit)) for chunk in range(64)]
    with ProcessPoolExecutor(max_workers=workers) as executor:
        list(executor.map(square, range(workers)))  # workers up before the clock
        started = time.perf_counter()
        total = sum(future.result() for future in as_completed([executor.submit(count_in, c) for c in chunks]))
        return total, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--map-items", type=int, default=1_000_000)
    parser.add_argument("--tiny-tasks", type=int, default=20_000)
    parser.add_argument("--round-trips", type=int, default=2_000)
    parser.add_argument("--limit", type=int, default=3_000_000)
    args = parser.parse_args()
    if min(args.workers, args.map_items, args.tiny_tasks, args.round_trips) < 1 or args.limit < 2:
        parser.error("every size must be positive")
    print(f"workers={args.workers}")

    with multiprocessing.Pool(args.workers) as pool:
        pool.map(square, range(args.workers))  # workers up before the clock
        started = time.perf_counter()
        squares = pool.map(square, range(args.map_items))
        pool_map_s = time.perf_counter() - started
    if squares[-1] != (args.map_items - 1) ** 2:
        raise SystemExit("Pool.map gave a wrong square")
    executor_items = min(args.map_items, EXECUTOR_MAP_ITEMS)
    with ProcessPoolExecutor(max_workers=args.workers) as executor:
        list(executor.map(square, range(args.workers)))
        started = time.perf_counter()
        list(executor.map(square, range(executor_items)))
        executor_map_s = time.perf_counter() - started
    print(f"map_items={args.map_items}")
    print(f"pool_map_per_s={args.map_items / pool_map_s:.0f}")
    print(f"executor_map_items={executor_items}")
    print(f"executor_map_per_s={executor_items / executor_map_s:.0f}")

    with ProcessPoolExecutor(max_workers=args.workers) as executor:
        list(executor.map(square, range(args.workers)))
        started = time.perf_counter()
        futures = [executor.submit(square, number) for number in range(args.tiny_tasks)]
        total = sum(future.result() for future in as_completed(futures))
        tiny_s = time.perf_counter() - started
        micros = []
        for number in range(args.round_trips):
            started = time.perf_counter()
            if executor.submit(square, number).result() != number * number:
                raise SystemExit("a round trip gave a wrong square")
            micros.append((time.perf_counter() - started) * 1e6)
    micros.sort()

    def at(quantile: float) -> float:
        return micros[round((len(micros) - 1) * quantile)]

    if total != sum(number * number for number in range(args.tiny_tasks)):
        raise SystemExit("the tiny tasks gave wrong squares")
    print(f"tiny_tasks={args.tiny_tasks}")
    print(f"tiny_tasks_per_s={args.tiny_tasks / tiny_s:.0f}")
    print(f"round_trips={args.round_trips}")
    print(f"round_trip_p50_us={at(0.50):.1f}")
    print(f"round_trip_p99_us={at(0.99):.1f}")

    one, one_s = primes_seconds(args.limit, 1)
    many, many_s = primes_seconds(args.limit, args.workers)
    if one != many:
        raise SystemExit(f"the prime counts differ: {one} and {many}")
    print(f"primes_limit={args.limit}")
    print(f"primes_found={many}")
    print(f"primes_one_worker_s={one_s:.4f}")
    print(f"primes_workers_s={many_s:.4f}")
    print(f"primes_speedup={one_s / many_s:.2f}")


if __name__ == "__main__":
    main()
