/*
 * The floor for process-pool's primes rows: the same trial-division loop as
 * src/demos/jobs.rs's is_prime, in C, built by `cargo xtask bench` with the system C
 * compiler at -O2 and at -O3 (cc -O3 -pthread bench/primes.c -lm), each
 * figure the best of the two. Same numbers (u64, divided as u32 below 2^32),
 * same chunks (0..limit in steps of limit / chunks rounded up), counted once
 * on one thread and once on THREADS threads, each thread taking the next
 * chunk from a shared counter, as the pool's idle workers take the next task.
 *
 *     ./primes LIMIT CHUNKS REPEAT THREADS
 *
 * THREADS 0 means one per core.
 *
 * thread-pool's bench/primes.c is the same program for its own numbers
 * (u32 only) and chunks: each crate keeps its own copy, so that it still
 * benches once copied out alone.
 *
 * Prints key=value lines: c_primes_found, c_primes_sequential_s and
 * c_primes_parallel_s (each the median of REPEAT runs), c_threads.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Trial division in the narrowest type that holds the number: 32-bit
 * division is much faster than 64-bit on x86-64, and every number benched
 * here (below 3M) fits. src/demos/jobs.rs's is_prime does the same. */
static int is_prime32(uint32_t number) {
    if (number < 2) return 0;
    if (number % 2 == 0) return number == 2;
    /* The integer square root: the double's root is exact to within one
     * for any 32-bit number, then corrected. */
    uint64_t root = (uint64_t)sqrt((double)number);
    while (root * root > number) root--;
    while ((root + 1) * (root + 1) <= number) root++;
    uint32_t limit = (uint32_t)root;
    for (uint32_t divisor = 3; divisor <= limit; divisor += 2) {
        if (number % divisor == 0) return 0;
    }
    return 1;
}

static int is_prime(uint64_t number) {
    if (number <= UINT32_MAX) return is_prime32((uint32_t)number);
    if (number % 2 == 0) return 0;
    /* The integer square root, as Rust's u64::isqrt: the double's root
     * is close below 2^52, then corrected. */
    uint64_t limit = (uint64_t)sqrt((double)number);
    while (limit * limit > number) limit--;
    while ((limit + 1) * (limit + 1) <= number) limit++;
    for (uint64_t divisor = 3; divisor <= limit; divisor += 2) {
        if (number % divisor == 0) return 0;
    }
    return 1;
}

struct range { uint64_t start, end; };

static struct range *ranges;
static uint32_t range_count;
static atomic_uint next_range;
static atomic_ullong found;

static uint64_t count_in(struct range range) {
    uint64_t count = 0;
    for (uint64_t number = range.start; number < range.end; number++) count += is_prime(number);
    return count;
}

static void *worker(void *unused) {
    (void)unused;
    uint64_t count = 0;
    for (;;) {
        uint32_t index = atomic_fetch_add(&next_range, 1);
        if (index >= range_count) break;
        count += count_in(ranges[index]);
    }
    atomic_fetch_add(&found, count);
    return NULL;
}

static double now(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return time.tv_sec + time.tv_nsec * 1e-9;
}

/* One count on `threads` threads (the calling thread when 1): seconds. */
static double run(long threads, uint64_t *count) {
    pthread_t ids[256];
    atomic_store(&next_range, 0);
    atomic_store(&found, 0);
    double started = now();
    if (threads == 1) {
        worker(NULL);
    } else {
        for (long i = 0; i < threads; i++) {
            if (pthread_create(&ids[i], NULL, worker, NULL) != 0) {
                perror("primes: pthread_create");
                exit(1);
            }
        }
        for (long i = 0; i < threads; i++) pthread_join(ids[i], NULL);
    }
    *count = atomic_load(&found);
    return now() - started;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_run(long threads, int repeat, uint64_t *count) {
    double times[100];
    for (int i = 0; i < repeat; i++) times[i] = run(threads, count);
    qsort(times, repeat, sizeof times[0], by_value);
    return repeat % 2 ? times[repeat / 2] : (times[repeat / 2 - 1] + times[repeat / 2]) / 2;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s LIMIT CHUNKS REPEAT THREADS\n", argv[0]);
        return 2;
    }
    uint64_t limit = strtoull(argv[1], NULL, 10);
    uint64_t chunks = strtoull(argv[2], NULL, 10);
    int repeat = atoi(argv[3]);
    long threads = atol(argv[4]);
    if (limit < 2 || chunks < 1 || repeat < 1 || repeat > 100 || threads < 0 || threads > 256) {
        fprintf(stderr, "primes: LIMIT >= 2, CHUNKS >= 1, 1 <= REPEAT <= 100, 0 <= THREADS <= 256\n");
        return 2;
    }
    if (chunks > 100000) chunks = 100000;
    /* cpu_bound::count_primes: steps of limit / chunks rounded up. */
    ranges = calloc(chunks, sizeof *ranges);
    uint64_t step = (limit + chunks - 1) / chunks;
    for (uint64_t i = 0; i < chunks; i++) {
        uint64_t start = i * step < limit ? i * step : limit;
        uint64_t end = (i + 1) * step < limit ? (i + 1) * step : limit;
        ranges[i] = (struct range){start, end};
    }
    range_count = (uint32_t)chunks;
    if (threads == 0) threads = sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1) threads = 1;
    if (threads > 256) threads = 256;
    uint64_t sequential_count, parallel_count;
    double sequential = median_run(1, repeat, &sequential_count);
    double parallel = median_run(threads, repeat, &parallel_count);
    if (sequential_count != parallel_count) {
        fprintf(stderr, "primes: counts differ: %llu and %llu\n",
                (unsigned long long)sequential_count, (unsigned long long)parallel_count);
        return 1;
    }
    printf("c_threads=%ld\n", threads);
    printf("c_primes_found=%llu\n", (unsigned long long)parallel_count);
    printf("c_primes_sequential_s=%.4f\n", sequential);
    printf("c_primes_parallel_s=%.4f\n", parallel);
    free(ranges);
    return 0;
}
