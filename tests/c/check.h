/* Shared by the C test programs: a counting CHECK, byte-pointer helpers, reading a test vector
 * and checking a refused call. (static inline: a program that does not use one gets no
 * unused-function warning, which -Werror would make an error.) */
#ifndef SOTER_TEST_CHECK_H
#define SOTER_TEST_CHECK_H

#include "soter_verify.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* A test vector's bytes, NUL-terminated, at most 64 KiB - 1: `rel` is relative to
 * $SOTER_VECTORS (the Tencent sample's directory; "../android-keyattestation/..." reaches the
 * directories beside it). Exits with 2 when the file cannot be opened. Free with free(). */
static inline char *read_vector(const char *rel, size_t *len) {
    const char *dir = getenv("SOTER_VECTORS");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/vectors/tencent-soter-sample", rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    char *buf = (char *)malloc(1 << 16);
    if (!buf) exit(2);
    *len = fread(buf, 1, (1 << 16) - 1, f);
    fclose(f);
    buf[*len] = 0;
    return buf;
}

/* A refused call: its status is `want`, it left an error of that status in `*slot` whose
 * message contains `needle` (when not NULL); the error is freed and `*slot` reset. */
static inline void check_refused(SoterStatus st, SoterError **slot, SoterStatus want, const char *needle) {
    SoterError *err = *slot;
    *slot = NULL;
    CHECK(st == want);
    CHECK(err != NULL);
    if (!err) return;
    CHECK(soter_error_status(err) == want);
    if (needle) CHECK(strstr(soter_error_message(err), needle) != NULL);
    if (st != want || (needle && !strstr(soter_error_message(err), needle)))
        fprintf(stderr, "  got %s: %s\n", soter_status_name(st), soter_error_message(err));
    soter_error_free(err);
}

#endif
