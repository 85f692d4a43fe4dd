/* The native demo: main spends about two thirds of its CPU time in hot_loop and one third in warm_loop.
   hot [SECONDS]  runs for SECONDS (default 5);
   hot -n ROUNDS  runs ROUNDS rounds and prints the wall time and the CPU time they took: "WALL ms CPU cpu-ms". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

volatile unsigned long sink;

__attribute__((noinline)) void hot_loop(void)
{
    for (unsigned long i = 0; i < 20000000UL; i++)
        sink += i * 7;
}

__attribute__((noinline)) void warm_loop(void)
{
    for (unsigned long i = 0; i < 10000000UL; i++)
        sink += i * 13;
}

static double clock_ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "-n") == 0)
    {
        long rounds = atol(argv[2]);
        printf("ready\n");
        fflush(stdout);
        double start = clock_ms(CLOCK_MONOTONIC);
        double cpu_start = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
        for (long r = 0; r < rounds; r++)
        {
            hot_loop();
            warm_loop();
        }
        printf("%.3f ms %.3f cpu-ms\n", clock_ms(CLOCK_MONOTONIC) - start, clock_ms(CLOCK_PROCESS_CPUTIME_ID) - cpu_start);
        return 0;
    }

    int seconds = argc > 1 ? atoi(argv[1]) : 5;
    time_t end = time(NULL) + seconds;
    printf("ready\n");
    fflush(stdout);
    while (time(NULL) < end)
    {
        hot_loop();
        warm_loop();
    }
    return 0;
}
