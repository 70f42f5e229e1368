/* A program as a C or C++ user writes it against an installed soter-verify (`make install`):
 * found with pkg-config or CMake's find_package(soter_verify), nothing from the source tree.
 * Usage: consumer VECTORS_DIR EXPECTED_VERSION. Verifies the Tencent sample result, then a
 * tampered copy, and checks the library's version and ABI against the installed header. */
#include <soter_verify.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

static void check(int ok, const char *what) {
    if (ok) {
        passed++;
    } else {
        failed++;
        fprintf(stderr, "FAIL: %s\n", what);
    }
}

/* The whole file, or NULL (with *len = 0). */
static unsigned char *slurp(const char *dir, const char *name, size_t *len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    unsigned char *buf = (unsigned char *)malloc(1 << 16);
    if (buf) {
        *len = fread(buf, 1, 1 << 16, f);
    }
    fclose(f);
    return buf;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s VECTORS_DIR EXPECTED_VERSION\n", argv[0]);
        return 2;
    }
    check(soter_abi_version() == SOTER_ABI_VERSION, "the library's ABI version is the header's");
    check(strcmp(soter_version(), argv[2]) == 0, "the library's version is the package's");

    size_t pem_len, json_len, sig_len;
    unsigned char *pem = slurp(argv[1], "auth_key.pem", &pem_len);
    unsigned char *json = slurp(argv[1], "final_json.txt", &json_len);
    unsigned char *sig = slurp(argv[1], "final_signature.bin", &sig_len);
    check(pem && json && sig && json_len > 0, "the vectors are readable");

    SoterKey *key = NULL;
    SoterError *err = NULL;
    check(soter_key_load(pem, pem_len, &key, &err) == SOTER_STATUS_OK, "the AuthKey loads");
    soter_error_free(err); /* NULL on success: a no-op */
    err = NULL;
    uint32_t salt = 0;
    check(soter_key_verify(key, json, json_len, sig, sig_len, SOTER_SALT_LEN_DEFAULT, &salt, &err)
              == SOTER_STATUS_OK && salt == 20,
          "the device's signature verifies");
    soter_error_free(err);
    err = NULL;
    if (json_len > 0) {
        json[json_len / 2] ^= 1;
    }
    SoterStatus st = soter_key_verify(key, json, json_len, sig, sig_len, SOTER_SALT_LEN_DEFAULT, NULL, &err);
    check(st == SOTER_STATUS_SIGNATURE_INVALID, "a tampered result does not verify");
    soter_error_free(err);
    soter_key_free(key);
    free(pem);
    free(json);
    free(sig);

    printf("consumer (%s, libsoter_verify %s): %d passed, %d failed\n",
#ifdef __cplusplus
           "C++",
#else
           "C",
#endif
           soter_version(), passed, failed);
    return failed == 0 ? 0 : 1;
}
