/* Assertion helpers for the C (wasi-libc) test programs: a failed check prints the line, the
 * expression and errno, and exits with 1. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(expression)                                                               \
    do {                                                                                \
        if (!(expression)) {                                                            \
            printf("FAIL line %d: %s (errno %d: %s)\n", __LINE__, #expression, errno,  \
                   strerror(errno));                                                    \
            exit(1);                                                                    \
        }                                                                               \
    } while (0)

/* Checks that `call` fails with `expected` errno. */
#define CHECK_ERRNO(call, expected)                                                     \
    do {                                                                                \
        errno = 0;                                                                      \
        if ((call) != -1 || errno != (expected)) {                                      \
            printf("FAIL line %d: %s: errno %d (%s), expected %d\n", __LINE__, #call,  \
                   errno, strerror(errno), (expected));                                 \
            exit(1);                                                                    \
        }                                                                               \
    } while (0)
