/* Arguments, environment, the standard streams' access modes, clocks, sleep, randomness and
 * the exit status through wasi-libc.
 * Expects argv = {"process.wasm", "one", "two"} and exactly GREETING=hi in the environment;
 * exits with 7 when everything holds. */
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

extern char **environ;

int main(int argc, char **argv) {
    CHECK(argc == 3 && strcmp(argv[1], "one") == 0 && strcmp(argv[2], "two") == 0);
    CHECK(getenv("GREETING") != NULL && strcmp(getenv("GREETING"), "hi") == 0);
    CHECK(getenv("PATH") == NULL);
    int variables = 0;
    for (char **entry = environ; *entry; entry++) variables++;
    CHECK(variables == 1);

    /* wasi-libc derives the access mode from the descriptor's fd_read / fd_write rights. */
    CHECK((fcntl(STDIN_FILENO, F_GETFL) & O_ACCMODE) == O_RDONLY);
    CHECK((fcntl(STDOUT_FILENO, F_GETFL) & O_ACCMODE) == O_WRONLY);
    CHECK((fcntl(STDERR_FILENO, F_GETFL) & O_ACCMODE) == O_WRONLY);

    struct timespec now, before, after, resolution;
    CHECK(clock_gettime(CLOCK_REALTIME, &now) == 0 && now.tv_sec > 1577836800);
    CHECK(clock_getres(CLOCK_MONOTONIC, &resolution) == 0);
    CHECK(clock_gettime(CLOCK_MONOTONIC, &before) == 0);
    struct timespec nap = {0, 20 * 1000 * 1000};
    CHECK(nanosleep(&nap, NULL) == 0);
    CHECK(clock_gettime(CLOCK_MONOTONIC, &after) == 0);
    long long elapsed = (after.tv_sec - before.tv_sec) * 1000000000LL + (after.tv_nsec - before.tv_nsec);
    CHECK(elapsed >= 20 * 1000 * 1000);

    unsigned char first[32], second[32];
    CHECK(getentropy(first, sizeof first) == 0 && getentropy(second, sizeof second) == 0);
    CHECK(memcmp(first, second, sizeof first) != 0);

    puts("c process ok");
    fflush(stdout);
    return 7;
}
