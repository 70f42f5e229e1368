/* Shared by the C test programs: a counting CHECK and byte-pointer helpers. */
#ifndef SOTER_TEST_CHECK_H
#define SOTER_TEST_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int passed, failed;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (cond) {                                                                  \
            passed++;                                                                \
        } else {                                                                     \
            failed++;                                                                \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);          \
        }                                                                            \
    } while (0)

#define U8(s) ((const uint8_t *)(s))

#endif
