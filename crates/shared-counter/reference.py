"""Python reference for the shared-counter benchmark.

The seed's workload with the standard library only: P processes each add 1
to one `multiprocessing.Value('i', 0)` N times under its `get_lock()`. The
same as `shared-counter bench` runs with its robust lock, so
`cargo xtask bench` can compare the two in one go.

Then the chaos run: the same processes increment without end while, every
few milliseconds, one picked at random is killed with SIGKILL and replaced.
The first time the killed one held the lock, nobody releases it and every
process waits for good; the run notices that the counter stopped moving,
and says after how long and how many kills.

Prints `key=value` lines, like the Rust bench:

    python3 reference.py [--processes 4] [--increments 1000000]
                         [--chaos-seconds 5] [--kill-every-ms 5] [--hang-seconds 2]
"""

import argparse
import multiprocessing
import random
import time


def increment(value, increments: int, start_line, spans) -> None:
    start_line.wait()
    started = time.monotonic()
    for _ in range(increments):
        with value.get_lock():
            value.value += 1
    spans.put((started, time.monotonic()))


def spin(value) -> None:
    while True:
        with value.get_lock():
            value.value += 1


def chaos(processes: int, seconds: float, kill_every: float, hang_after: float) -> None:
    """Kills a random worker every `kill_every` seconds for `seconds`, and
    replaces it, until the counter has not moved for `hang_after` seconds."""
    value = multiprocessing.Value("q", 0)
    # The count without taking the lock: `value.value` takes it, and would
    # hang this process too.
    raw = value.get_obj()
    workers = [multiprocessing.Process(target=spin, args=(value,)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    started = time.monotonic()
    kills = 0
    kills_when_moved = 0
    last_seen, moved_at = raw.value, started
    next_kill = started
    hung = False
    while time.monotonic() - started < seconds:
        next_kill += kill_every
        time.sleep(max(0.0, next_kill - time.monotonic()))
        victim = random.randrange(processes)
        workers[victim].kill()
        workers[victim].join()
        kills += 1
        workers[victim] = multiprocessing.Process(target=spin, args=(value,))
        workers[victim].start()
        now = raw.value
        if now != last_seen:
            last_seen, moved_at, kills_when_moved = now, time.monotonic(), kills
        elif time.monotonic() - moved_at > hang_after:
            hung = True
            break
    lasted = (moved_at if hung else time.monotonic()) - started
    for worker in workers:
        worker.kill()
        worker.join()
    print(f"chaos_lasted_s={lasted:.3f}")
    # Hung: the kills before the counter last moved; the one that killed a
    # holder is among them.
    print(f"chaos_kills={kills_when_moved if hung else kills}")
    print(f"chaos_hangs={int(hung)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--increments", type=int, default=1_000_000)
    parser.add_argument("--chaos-seconds", type=float, default=5.0)
    parser.add_argument("--kill-every-ms", type=float, default=5.0)
    parser.add_argument("--hang-seconds", type=float, default=2.0)
    args = parser.parse_args()
    if args.processes < 1 or args.increments < 1:
        parser.error("--processes and --increments must be at least 1")
    if min(args.chaos_seconds, args.kill_every_ms, args.hang_seconds) <= 0:
        parser.error("--chaos-seconds, --kill-every-ms and --hang-seconds must be positive")

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
    chaos(args.processes, args.chaos_seconds, args.kill_every_ms / 1000, args.hang_seconds)


if __name__ == "__main__":
    main()
