/*
 * Exercises every export of include/soter_verify.h from C (built as C11 and as C++17 with
 * -Wall -Wextra -Werror). Real device vectors are read from $SOTER_VECTORS when present.
 * Prints "N passed, M failed" and exits non-zero on any failure.
 */
#include "soter_verify.h"
#include "check.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


typedef struct {
    uint8_t *data;
    size_t len;
} Buf;

static Buf read_file(const char *dir, const char *name) {
    Buf b = {NULL, 0};
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return b;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b.data = (uint8_t *)malloc((size_t)n + 1);
    b.len = fread(b.data, 1, (size_t)n, f);
    fclose(f);
    return b;
}

/* Status of a call whose error we want to inspect and free. The slot is read after the call
 * (arguments are unsequenced, so the error pointer is passed by address). */
static SoterStatus expect_error(SoterStatus st, SoterError **slot, SoterStatus want) {
    SoterError *err = *slot;
    *slot = NULL;
    CHECK(st == want);
    CHECK(err != NULL);
    if (err) {
        CHECK(soter_error_status(err) == want);
        CHECK(strlen(soter_error_message(err)) > 10);
        int64_t code = 0;
        CHECK(!soter_error_errcode(err, &code));
        CHECK(soter_error_errmsg(err) == NULL);
    }
    soter_error_free(err);
    return st;
}

static uint32_t u32_at(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* soter_result_json_pack: the size first, nothing written to a buffer one byte short, then every
 * field as the per-field accessors give it, each text followed by NUL. */
static void check_pack(const SoterResultJson *rj) {
    size_t size = soter_result_json_pack(rj, NULL, 0);
    CHECK(size > 16);
    uint8_t *buf = (uint8_t *)malloc(size);
    memset(buf, 0xAA, size);
    CHECK(soter_result_json_pack(rj, buf, size - 1) == size);
    CHECK(buf[0] == 0xAA && buf[size - 1] == 0xAA);
    CHECK(soter_result_json_pack(rj, buf, size) == size);
    uint64_t counter;
    int32_t salt;
    memcpy(&counter, buf, 8);
    memcpy(&salt, buf + 8, 4);
    uint32_t extras = u32_at(buf + 12);
    CHECK(counter == soter_result_json_counter(rj));
    CHECK(salt == soter_result_json_salt_len(rj));
    CHECK(extras == soter_result_json_extra_count(rj));
    size_t count = 8 + 2 * (size_t)extras, at = 16 + 4 * count;
    for (size_t i = 0; i < count; i++) {
        uint32_t len = u32_at(buf + 16 + 4 * i);
        const uint8_t *want = NULL;
        size_t want_len = 0;
        if (i < 8) {
            CHECK(soter_result_json_get(rj, (int32_t)i, &want, &want_len) == SOTER_STATUS_OK);
        } else {
            const uint8_t *n = NULL, *v = NULL;
            size_t nl = 0, vl = 0;
            CHECK(soter_result_json_extra(rj, (i - 8) / 2, &n, &nl, &v, &vl) == SOTER_STATUS_OK);
            want = i % 2 == 0 ? n : v;
            want_len = i % 2 == 0 ? nl : vl;
        }
        CHECK(len == want_len && (len == 0 || memcmp(buf + at, want, len) == 0));
        CHECK(buf[at + len] == 0 && strlen((const char *)buf + at) == len);
        at += len + 1;
    }
    CHECK(at == size);
    CHECK(soter_result_json_pack(NULL, buf, size) == 0);
    free(buf);
}

/* A `_packed` export's buffer must be byte for byte the handle's pack; a buffer too small gets
 * nothing written and the size needed. */
static void check_same_pack(const uint8_t *packed, size_t packed_len, const SoterResultJson *rj) {
    size_t size = soter_result_json_pack(rj, NULL, 0);
    CHECK(packed_len == size);
    uint8_t *buf = (uint8_t *)malloc(size);
    CHECK(soter_result_json_pack(rj, buf, size) == size);
    CHECK(memcmp(buf, packed, size) == 0);
    free(buf);
}

/* An `_io` output: the packed size as a uint64_t, then (when it fits) the packed form, byte for
 * byte the handle's pack. */
static void check_same_io(const uint8_t *io, const SoterResultJson *rj) {
    uint64_t size;
    memcpy(&size, io, sizeof size);
    check_same_pack(io + 8, (size_t)size, rj);
}

/* The input of soter_authenticate_io: the head, then the texts back to back (cpu_id and uid only
 * with their flags). Returns its size. */
static size_t auth_io_input(uint8_t *in, size_t cap, uint32_t out_cap, Buf json, Buf sig, const char *challenge,
                            const char *cpu_id, const char *uid, uint32_t flags, uint64_t min_counter) {
    SoterAuthenticateIn h;
    memset(&h, 0, sizeof h);
    h.min_counter = min_counter;
    h.out_cap = out_cap;
    h.result_json_len = (uint32_t)json.len;
    h.signature_len = (uint32_t)sig.len;
    h.challenge_len = (uint32_t)strlen(challenge);
    h.cpu_id_len = (flags & SOTER_IO_CPU_ID) ? (uint32_t)strlen(cpu_id) : 0;
    h.uid_len = (flags & SOTER_IO_UID) ? (uint32_t)strlen(uid) : 0;
    h.salt_len = SOTER_SALT_LEN_DEFAULT;
    h.flags = flags;
    const uint8_t *texts[5] = {json.data, sig.data, U8(challenge), U8(cpu_id), U8(uid)};
    const size_t lens[5] = {json.len, sig.len, h.challenge_len, h.cpu_id_len, h.uid_len};
    size_t at = sizeof h;
    CHECK(at <= cap);
    memcpy(in, &h, sizeof h);
    for (size_t i = 0; i < 5; i++) {
        CHECK(at + lens[i] <= cap);
        if (lens[i]) memcpy(in + at, texts[i], lens[i]);
        at += lens[i];
    }
    return at;
}

/* The input of soter_result_json_parse_io: the head, then the document. */
static void parse_io_input(uint8_t *in, size_t cap, uint32_t out_cap, const uint8_t *data, size_t len) {
    SoterParseIn h;
    memset(&h, 0, sizeof h);
    h.out_cap = out_cap;
    h.data_len = (uint32_t)len;
    CHECK(sizeof h + len <= cap);
    memcpy(in, &h, sizeof h);
    memcpy(in + sizeof h, data, len);
}

/* soter_auth_key_pack: counter, then cpu_id, uid, pub_key as soter_auth_key_get gives them. */
static void check_auth_key_pack(const SoterAuthKey *ak) {
    size_t size = soter_auth_key_pack(ak, NULL, 0);
    uint8_t *buf = (uint8_t *)malloc(size);
    CHECK(soter_auth_key_pack(ak, buf, size) == size);
    uint64_t counter;
    memcpy(&counter, buf, 8);
    CHECK(counter == soter_auth_key_counter(ak));
    const int32_t fields[3] = {SOTER_FIELD_CPU_ID, SOTER_FIELD_UID, SOTER_FIELD_PUB_KEY};
    size_t at = 8 + 4 * 3;
    for (size_t i = 0; i < 3; i++) {
        const uint8_t *want = NULL;
        size_t want_len = 0;
        CHECK(soter_auth_key_get(ak, fields[i], &want, &want_len) == SOTER_STATUS_OK);
        uint32_t len = u32_at(buf + 8 + 4 * i);
        CHECK(len == want_len && memcmp(buf + at, want, len) == 0 && buf[at + len] == 0);
        at += len + 1;
    }
    CHECK(at == size);
    CHECK(soter_auth_key_pack(NULL, buf, size) == 0);
    free(buf);
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *base64(const uint8_t *in, size_t len) {
    char *out = (char *)malloc((len + 2) / 3 * 4 + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len) v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len) v |= in[i + 2];
        out[o++] = B64[(v >> 18) & 63];
        out[o++] = B64[(v >> 12) & 63];
        out[o++] = i + 1 < len ? B64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? B64[v & 63] : '=';
    }
    out[o] = 0;
    return out;
}

static void test_basics(void) {
    CHECK(soter_abi_version() == SOTER_ABI_VERSION);
    CHECK(strlen(soter_version()) > 0);
    CHECK(strcmp(soter_status_name(SOTER_STATUS_OK), "SOTER_STATUS_OK") == 0);
    CHECK(strcmp(soter_status_name(SOTER_STATUS_KEY_TOO_SMALL), "SOTER_STATUS_KEY_TOO_SMALL") == 0);
    CHECK(strcmp(soter_status_name(SOTER_STATUS_INTERNAL), "SOTER_STATUS_INTERNAL") == 0);
    CHECK(strcmp(soter_status_name(12345), "SOTER_STATUS_UNKNOWN") == 0);
    /* NULL-safe accessors and frees */
    CHECK(soter_error_status(NULL) == SOTER_STATUS_INVALID_ARGUMENT);
    CHECK(strcmp(soter_error_message(NULL), "") == 0);
    CHECK(soter_error_errmsg(NULL) == NULL);
    CHECK(!soter_error_errcode(NULL, NULL));
    soter_error_free(NULL);
    soter_string_free(NULL);
    soter_key_free(NULL);
    soter_result_json_free(NULL);
    soter_auth_key_free(NULL);
    CHECK(soter_key_bits(NULL) == 0);
    CHECK(!soter_key_equal(NULL, NULL));
    CHECK(soter_result_json_counter(NULL) == 0);
    CHECK(soter_result_json_salt_len(NULL) == -1);
    CHECK(soter_result_json_extra_count(NULL) == 0);
    CHECK(soter_auth_key_counter(NULL) == 0);

    char buf[SOTER_CHALLENGE_LEN + 1], buf2[SOTER_CHALLENGE_LEN + 1];
    size_t n = 0;
    CHECK(soter_new_challenge(buf, sizeof buf, &n, NULL) == SOTER_STATUS_OK);
    CHECK(n == SOTER_CHALLENGE_LEN && strlen(buf) == SOTER_CHALLENGE_LEN);
    CHECK(soter_new_challenge(buf2, sizeof buf2, NULL, NULL) == SOTER_STATUS_OK);
    CHECK(strcmp(buf, buf2) != 0);
    SoterError *err = NULL;
    expect_error(soter_new_challenge(buf, 10, &n, &err), &err, SOTER_STATUS_INVALID_ARGUMENT);
    err = NULL;
    expect_error(soter_new_challenge(NULL, 100, &n, &err), &err, SOTER_STATUS_INVALID_ARGUMENT);
}

static void test_bad_input(void) {
    SoterKey *key = NULL;
    SoterError *err = NULL;
    expect_error(soter_key_load(NULL, 5, &key, &err), &err, SOTER_STATUS_INVALID_ARGUMENT);
    CHECK(key == NULL);
    err = NULL;
    expect_error(soter_key_load(U8(""), 0, &key, &err), &err, SOTER_STATUS_INVALID_INPUT);
    err = NULL;
    expect_error(soter_key_load(U8("garbage!"), 8, &key, &err), &err, SOTER_STATUS_INVALID_KEY);
    err = NULL;
    expect_error(soter_key_load(U8("MIIB"), 4, NULL, &err), &err, SOTER_STATUS_INVALID_ARGUMENT);
    /* a NULL err slot is allowed: the status still tells what happened */
    CHECK(soter_key_load(U8("garbage!"), 8, &key, NULL) == SOTER_STATUS_INVALID_KEY);
    CHECK(key == NULL);

    size_t big = 16u << 20;
    uint8_t *huge = (uint8_t *)calloc(big, 1);
    err = NULL;
    expect_error(soter_key_load(huge, big, &key, &err), &err, SOTER_STATUS_INPUT_TOO_LARGE);
    SoterResultJson *rj = NULL;
    err = NULL;
    expect_error(soter_result_json_parse(huge, big, &rj, &err), &err, SOTER_STATUS_INPUT_TOO_LARGE);
    free(huge);

    const char *dup = "{\"raw\":\"a\",\"r\\u0061w\":\"b\",\"counter\":1,\"cpu_id\":\"c\",\"uid\":\"u\"}";
    err = NULL;
    expect_error(soter_result_json_parse(U8(dup), strlen(dup), &rj, &err), &err, SOTER_STATUS_DUPLICATE_FIELD);
    const char *bad = "{\"raw\":\"a\",\"counter\":-1,\"cpu_id\":\"c\",\"uid\":\"u\"}";
    err = NULL;
    expect_error(soter_result_json_parse(U8(bad), strlen(bad), &rj, &err), &err, SOTER_STATUS_INVALID_JSON);
    err = NULL;
    expect_error(soter_result_json_parse(U8("\xff{}"), 3, &rj, &err), &err, SOTER_STATUS_INVALID_INPUT);
    CHECK(rj == NULL);

    /* parse and read every accessor of a self-made resultJSON */
    const char *js = "{\"raw\":\"ch\",\"fid\":7,\"counter\":18446744073709551615,\"tee_n\":\"T\",\"tee_v\":\"1\","
                     "\"fp_n\":\"F\",\"fp_v\":\"2\",\"cpu_id\":\"cpu\",\"uid\":\"u\",\"rsa_pss_saltlen\":32,"
                     "\"bo_t\":{\"a\":[1,2]},\"fc_n\":\"line\nbreak\"}";
    CHECK(soter_result_json_parse(U8(js), strlen(js), &rj, NULL) == SOTER_STATUS_OK);
    const uint8_t *p = NULL;
    size_t len = 0;
    CHECK(soter_result_json_get(rj, SOTER_FIELD_FID, &p, &len) == SOTER_STATUS_OK && len == 1 && p[0] == '7');
    CHECK(soter_result_json_get(rj, SOTER_FIELD_TEE_N, &p, &len) == SOTER_STATUS_OK && len == 1 && p[0] == 'T');
    CHECK(soter_result_json_get(rj, SOTER_FIELD_PUB_KEY, &p, &len) == SOTER_STATUS_INVALID_ARGUMENT);
    CHECK(soter_result_json_get(rj, SOTER_FIELD_RAW, NULL, &len) == SOTER_STATUS_INVALID_ARGUMENT);
    CHECK(soter_result_json_counter(rj) == UINT64_MAX);
    CHECK(soter_result_json_salt_len(rj) == 32);
    CHECK(soter_result_json_extra_count(rj) == 2);
    const uint8_t *name = NULL, *value = NULL;
    size_t name_len = 0, value_len = 0;
    CHECK(soter_result_json_extra(rj, 0, &name, &name_len, &value, &value_len) == SOTER_STATUS_OK);
    CHECK(name_len == 4 && memcmp(name, "bo_t", 4) == 0);
    CHECK(value_len == 11 && memcmp(value, "{\"a\":[1,2]}", 11) == 0);
    CHECK(soter_result_json_extra(rj, 1, &name, &name_len, &value, &value_len) == SOTER_STATUS_OK);
    CHECK(value_len == 12 && memcmp(value, "\"line\nbreak\"", 12) == 0);
    CHECK(soter_result_json_extra(rj, 2, &name, &name_len, &value, &value_len) == SOTER_STATUS_INVALID_ARGUMENT);
    check_pack(rj);
    soter_result_json_free(rj);
}

typedef struct {
    const SoterKey *key;
    Buf json, sig;
    int ok;
} ThreadArg;

static void *verify_many(void *p) {
    ThreadArg *a = (ThreadArg *)p;
    for (int i = 0; i < 500; i++) {
        if (soter_key_verify(a->key, a->json.data, a->json.len, a->sig.data, a->sig.len,
                             SOTER_SALT_LEN_DEFAULT, NULL, NULL) == SOTER_STATUS_OK)
            a->ok++;
    }
    return NULL;
}

static void test_vectors(const char *dir) {
    Buf ask_pem = read_file(dir, "ask.pem"), ak_pem = read_file(dir, "auth_key.pem");
    Buf json = read_file(dir, "final_json.txt"), sig = read_file(dir, "final_signature.bin");
    Buf ak_json = read_file(dir, "auth_key_json.txt"), ak_sig = read_file(dir, "auth_key_signature.bin");
    CHECK(ask_pem.data && ak_pem.data && json.data && sig.data && ak_json.data && ak_sig.data);
    if (!(ask_pem.data && ak_pem.data && json.data && sig.data && ak_json.data && ak_sig.data)) return;

    SoterKey *ask = NULL, *ak = NULL;
    CHECK(soter_key_load(ask_pem.data, ask_pem.len, &ask, NULL) == SOTER_STATUS_OK);
    CHECK(soter_key_load(ak_pem.data, ak_pem.len, &ak, NULL) == SOTER_STATUS_OK);
    CHECK(soter_key_bits(ak) == 2048);
    CHECK(!soter_key_equal(ask, ak));

    /* PEM round trip */
    char *pem = NULL;
    size_t pem_len = 0;
    CHECK(soter_key_to_pem(ak, &pem, &pem_len, NULL) == SOTER_STATUS_OK);
    CHECK(pem && strlen(pem) == pem_len && strncmp(pem, "-----BEGIN PUBLIC KEY-----\n", 27) == 0);
    SoterKey *again = NULL;
    CHECK(soter_key_load(U8(pem), pem_len, &again, NULL) == SOTER_STATUS_OK);
    CHECK(soter_key_equal(ak, again));
    soter_key_free(again);
    soter_string_free(pem);

    /* verify: raw and base64, explicit / default / auto salt */
    uint32_t salt = 0;
    CHECK(soter_key_verify(ak, json.data, json.len, sig.data, sig.len, 20, &salt, NULL) == SOTER_STATUS_OK && salt == 20);
    char *b64 = base64(sig.data, sig.len);
    salt = 0;
    CHECK(soter_key_verify(ak, json.data, json.len, U8(b64), strlen(b64), SOTER_SALT_LEN_AUTO, &salt, NULL) == SOTER_STATUS_OK && salt == 20);
    CHECK(soter_key_verify(ak, json.data, json.len, U8(b64), strlen(b64), SOTER_SALT_LEN_DEFAULT, NULL, NULL) == SOTER_STATUS_OK);
    SoterError *err = NULL;
    salt = 99;
    expect_error(soter_key_verify(ak, json.data, json.len, sig.data, sig.len, 32, &salt, &err), &err, SOTER_STATUS_SIGNATURE_INVALID);
    CHECK(salt == 99); /* out-params untouched on failure */
    err = NULL;
    expect_error(soter_key_verify(ask, json.data, json.len, sig.data, sig.len, 20, NULL, &err), &err, SOTER_STATUS_SIGNATURE_INVALID);
    err = NULL;
    expect_error(soter_key_verify(ak, json.data, json.len, sig.data, sig.len - 1, 20, NULL, &err), &err, SOTER_STATUS_MALFORMED_SIGNATURE);
    err = NULL;
    expect_error(soter_key_verify(ak, json.data, json.len, sig.data, sig.len, -7, NULL, &err), &err, SOTER_STATUS_INVALID_ARGUMENT);
    err = NULL;
    expect_error(soter_key_verify(NULL, json.data, json.len, sig.data, sig.len, 20, NULL, &err), &err, SOTER_STATUS_INVALID_ARGUMENT);
    uint8_t ff[256];
    memset(ff, 0xff, sizeof ff);
    err = NULL;
    expect_error(soter_key_verify(ak, json.data, json.len, ff, sizeof ff, 20, NULL, &err), &err, SOTER_STATUS_SIGNATURE_INVALID);
    int rejected = 0;
    for (size_t i = 0; i < json.len; i++) {
        json.data[i] ^= 1;
        if (soter_key_verify(ak, json.data, json.len, sig.data, sig.len, 20, NULL, NULL) == SOTER_STATUS_SIGNATURE_INVALID) rejected++;
        json.data[i] ^= 1;
    }
    CHECK((size_t)rejected == json.len);

    /* hex: exactly two digits per signature byte (512 for RSA-2048), either case, wrapped */
    char hex[2 * 256 + 256 / 32 + 1];
    size_t h = 0;
    for (size_t i = 0; i < sig.len && sig.len == 256; i++) {
        h += (size_t)snprintf(hex + h, sizeof hex - h, i % 2 ? "%02x" : "%02X", sig.data[i]);
        if (i % 32 == 31) hex[h++] = '\n';
    }
    hex[h] = '\0';
    salt = 0;
    CHECK(soter_key_verify(ak, json.data, json.len, U8(hex), h, SOTER_SALT_LEN_DEFAULT, &salt, NULL) == SOTER_STATUS_OK && salt == 20);
    err = NULL;
    expect_error(soter_key_verify(ak, json.data, json.len, U8(hex), h - 2, 20, NULL, &err), &err, SOTER_STATUS_MALFORMED_SIGNATURE);

    /* parse the real result */
    SoterResultJson *rj = NULL;
    CHECK(soter_result_json_parse(json.data, json.len, &rj, NULL) == SOTER_STATUS_OK);
    const uint8_t *p = NULL;
    size_t len = 0;
    CHECK(soter_result_json_get(rj, SOTER_FIELD_RAW, &p, &len) == SOTER_STATUS_OK && len == 27 && memcmp(p, "I'm a demo challenge string", 27) == 0);
    CHECK(soter_result_json_get(rj, SOTER_FIELD_CPU_ID, &p, &len) == SOTER_STATUS_OK && len == 40);
    CHECK(soter_result_json_get(rj, SOTER_FIELD_UID, &p, &len) == SOTER_STATUS_OK && len == 5 && memcmp(p, "10115", 5) == 0);
    CHECK(soter_result_json_get(rj, SOTER_FIELD_FP_N, &p, &len) == SOTER_STATUS_OK && len == 3);
    CHECK(soter_result_json_get(rj, SOTER_FIELD_FP_V, &p, &len) == SOTER_STATUS_OK && len == 4);
    CHECK(soter_result_json_get(rj, SOTER_FIELD_TEE_V, &p, &len) == SOTER_STATUS_OK && len == 5);
    CHECK(soter_result_json_counter(rj) == 246);
    CHECK(soter_result_json_salt_len(rj) == -1);
    CHECK(soter_result_json_extra_count(rj) == 0);
    check_pack(rj);
    {
        uint8_t packed[1024];
        size_t packed_len = 0;
        CHECK(soter_result_json_parse_packed(json.data, json.len, packed, sizeof packed, &packed_len, NULL) == SOTER_STATUS_OK);
        check_same_pack(packed, packed_len, rj);
        size_t small = 0;
        memset(packed, 0xAA, sizeof packed);
        CHECK(soter_result_json_parse_packed(json.data, json.len, packed, 8, &small, NULL) == SOTER_STATUS_OK);
        CHECK(small == packed_len && packed[0] == 0xAA);
        err = NULL;
        expect_error(soter_result_json_parse_packed(U8("{"), 1, packed, sizeof packed, &small, &err), &err, SOTER_STATUS_INVALID_JSON);
        err = NULL;
        expect_error(soter_result_json_parse_packed(json.data, json.len, packed, sizeof packed, NULL, &err), &err, SOTER_STATUS_INVALID_ARGUMENT);
    }
    {
        /* the one-buffer form: the size, then the same packed fields; only the size when they do
         * not fit; the parse's errors; a NULL input or an out_cap below 8 is an argument error */
        uint8_t in[1024], io[1024];
        parse_io_input(in, sizeof in, sizeof io, json.data, json.len);
        CHECK(soter_result_json_parse_io(in, io, NULL) == SOTER_STATUS_OK);
        check_same_io(io, rj);
        uint64_t size;
        memcpy(&size, io, 8);
        memset(io, 0xAA, sizeof io);
        parse_io_input(in, sizeof in, (uint32_t)size + 7, json.data, json.len);
        CHECK(soter_result_json_parse_io(in, io, NULL) == SOTER_STATUS_OK);
        uint64_t again;
        memcpy(&again, io, 8);
        CHECK(again == size && io[8] == 0xAA);
        parse_io_input(in, sizeof in, (uint32_t)size + 8, json.data, json.len);
        CHECK(soter_result_json_parse_io(in, io, NULL) == SOTER_STATUS_OK);
        check_same_io(io, rj);
        parse_io_input(in, sizeof in, sizeof io, U8("{"), 1);
        err = NULL;
        expect_error(soter_result_json_parse_io(in, io, &err), &err, SOTER_STATUS_INVALID_JSON);
        parse_io_input(in, sizeof in, sizeof io, json.data, 0);
        err = NULL;
        expect_error(soter_result_json_parse_io(in, io, &err), &err, SOTER_STATUS_INVALID_INPUT);
        parse_io_input(in, sizeof in, 7, json.data, json.len);
        err = NULL;
        expect_error(soter_result_json_parse_io(in, io, &err), &err, SOTER_STATUS_INVALID_ARGUMENT);
        parse_io_input(in, sizeof in, sizeof io, json.data, json.len);
        err = NULL;
        expect_error(soter_result_json_parse_io(NULL, io, &err), &err, SOTER_STATUS_INVALID_ARGUMENT);
        err = NULL;
        expect_error(soter_result_json_parse_io(in, NULL, &err), &err, SOTER_STATUS_INVALID_ARGUMENT);
    }
    soter_result_json_free(rj);

    /* key chain */
    SoterAuthKey *chain = NULL;
    CHECK(soter_verify_auth_key(ask, ak_json.data, ak_json.len, ak_sig.data, ak_sig.len, &chain, NULL) == SOTER_STATUS_OK);
    SoterKey *chain_key = NULL;
    CHECK(soter_auth_key_public_key(chain, &chain_key, NULL) == SOTER_STATUS_OK);
    CHECK(soter_key_equal(chain_key, ak));
    CHECK(soter_auth_key_counter(chain) == 240);
    CHECK(soter_auth_key_get(chain, SOTER_FIELD_UID, &p, &len) == SOTER_STATUS_OK && len == 5);
    CHECK(soter_auth_key_get(chain, SOTER_FIELD_CPU_ID, &p, &len) == SOTER_STATUS_OK && len == 40);
    CHECK(soter_auth_key_get(chain, SOTER_FIELD_PUB_KEY, &p, &len) == SOTER_STATUS_OK && len > 300 && memcmp(p, "-----BEGIN", 10) == 0);
    CHECK(soter_auth_key_get(chain, SOTER_FIELD_RAW, &p, &len) == SOTER_STATUS_INVALID_ARGUMENT);
    check_auth_key_pack(chain);
    {
        /* the one-call form: the key and the same packed fields, no AuthKey handle */
        uint8_t packed[2048], want[2048];
        size_t packed_len = 0;
        SoterKey *packed_key = NULL;
        CHECK(soter_verify_auth_key_packed(ask, ak_json.data, ak_json.len, ak_sig.data, ak_sig.len, &packed_key, packed,
                                           sizeof packed, &packed_len, NULL) == SOTER_STATUS_OK);
        CHECK(soter_key_equal(packed_key, ak));
        CHECK(soter_auth_key_pack(chain, want, sizeof want) == packed_len && memcmp(want, packed, packed_len) == 0);
        soter_key_free(packed_key);
        packed_key = NULL;
        size_t small = 0;
        CHECK(soter_verify_auth_key_packed(ask, ak_json.data, ak_json.len, ak_sig.data, ak_sig.len, &packed_key, packed,
                                           4, &small, NULL) == SOTER_STATUS_OK && small == packed_len);
        soter_key_free(packed_key);
        packed_key = NULL;
        err = NULL;
        expect_error(soter_verify_auth_key_packed(ak, ak_json.data, ak_json.len, ak_sig.data, ak_sig.len, &packed_key, packed,
                                                  sizeof packed, &small, &err), &err, SOTER_STATUS_SIGNATURE_INVALID);
        CHECK(packed_key == NULL);
    }
    SoterAuthKey *bad_chain = NULL;
    err = NULL;
    expect_error(soter_verify_auth_key(ak, ak_json.data, ak_json.len, ak_sig.data, ak_sig.len, &bad_chain, &err), &err, SOTER_STATUS_SIGNATURE_INVALID);
    CHECK(bad_chain == NULL);

    /* authenticate: success and each of the four verdicts */
    SoterExpectations e;
    memset(&e, 0, sizeof e);
    const char *challenge = "I'm a demo challenge string";
    e.challenge = U8(challenge);
    e.challenge_len = strlen(challenge);
    e.cpu_id = U8("0900000026030000241a1e8e9e44c3a8e05b9c0c");
    e.cpu_id_len = 40;
    e.uid = U8("10115");
    e.uid_len = 5;
    e.has_min_counter = true;
    e.min_counter = soter_auth_key_counter(chain) + 1;
    e.salt_len = SOTER_SALT_LEN_DEFAULT;
    SoterResultJson *out = NULL;
    CHECK(soter_authenticate(chain_key, json.data, json.len, sig.data, sig.len, &e, &out, NULL) == SOTER_STATUS_OK);
    CHECK(out != NULL && soter_result_json_counter(out) == 246);
    {
        /* the one-call form: the same packed fields, no handle; a verdict as for the handle form */
        uint8_t packed[1024];
        size_t packed_len = 0;
        CHECK(soter_authenticate_packed(chain_key, json.data, json.len, sig.data, sig.len, &e, packed, sizeof packed,
                                        &packed_len, NULL) == SOTER_STATUS_OK);
        check_same_pack(packed, packed_len, out);
        err = NULL;
        expect_error(soter_authenticate_packed(ask, json.data, json.len, sig.data, sig.len, &e, packed, sizeof packed,
                                               &packed_len, &err), &err, SOTER_STATUS_SIGNATURE_INVALID);
    }
    {
        /* the one-buffer form: the same packed fields; each verdict and check as for the handle
         * form; cpu_id, uid and the counter checked only with their flags; unknown flags refused */
        const char *challenge_io = "I'm a demo challenge string";
        const char *cpu_io = "0900000026030000241a1e8e9e44c3a8e05b9c0c";
        const uint32_t all = SOTER_IO_CPU_ID | SOTER_IO_UID | SOTER_IO_MIN_COUNTER;
        uint8_t in[4096], io[1024];
        auth_io_input(in, sizeof in, sizeof io, json, sig, challenge_io, cpu_io, "10115", all, 246);
        CHECK(soter_authenticate_io(chain_key, in, io, NULL) == SOTER_STATUS_OK);
        check_same_io(io, out);
        uint64_t size;
        memcpy(&size, io, 8);
        memset(io, 0xAA, sizeof io);
        auth_io_input(in, sizeof in, (uint32_t)size + 7, json, sig, challenge_io, cpu_io, "10115", all, 246);
        CHECK(soter_authenticate_io(chain_key, in, io, NULL) == SOTER_STATUS_OK);
        uint64_t again;
        memcpy(&again, io, 8);
        CHECK(again == size && io[8] == 0xAA);
        /* without the optional checks, wrong values in their places do not matter */
        auth_io_input(in, sizeof in, sizeof io, json, sig, challenge_io, "other", "10116", 0, 999);
        CHECK(soter_authenticate_io(chain_key, in, io, NULL) == SOTER_STATUS_OK);
        check_same_io(io, out);
        auth_io_input(in, sizeof in, sizeof io, json, sig, challenge_io, cpu_io, "10115", all, 246);
        err = NULL;
        expect_error(soter_authenticate_io(ask, in, io, &err), &err, SOTER_STATUS_SIGNATURE_INVALID);
        auth_io_input(in, sizeof in, sizeof io, json, sig, "I'm a demo challenge strinG", cpu_io, "10115", all, 246);
        err = NULL;
        expect_error(soter_authenticate_io(chain_key, in, io, &err), &err, SOTER_STATUS_CHALLENGE_MISMATCH);
        auth_io_input(in, sizeof in, sizeof io, json, sig, challenge_io, "0900000026030000241a1e8e9e44c3a8e05b9c0d", "10115", all, 246);
        err = NULL;
        expect_error(soter_authenticate_io(chain_key, in, io, &err), &err, SOTER_STATUS_DEVICE_MISMATCH);
        auth_io_input(in, sizeof in, sizeof io, json, sig, challenge_io, cpu_io, "10116", all, 246);
        err = NULL;
        expect_error(soter_authenticate_io(chain_key, in, io, &err), &err, SOTER_STATUS_DEVICE_MISMATCH);
        auth_io_input(in, sizeof in, sizeof io, json, sig, challenge_io, cpu_io, "10115", all, 247);
        err = NULL;
        expect_error(soter_authenticate_io(chain_key, in, io, &err), &err, SOTER_STATUS_COUNTER_REPLAY);
        auth_io_input(in, sizeof in, sizeof io, json, sig, "", cpu_io, "10115", all, 246);
        err = NULL;
        expect_error(soter_authenticate_io(chain_key, in, io, &err), &err, SOTER_STATUS_INVALID_ARGUMENT);
        auth_io_input(in, sizeof in, sizeof io, json, sig, challenge_io, cpu_io, "10115", all | 8, 246);
        err = NULL;
        expect_error(soter_authenticate_io(chain_key, in, io, &err), &err, SOTER_STATUS_INVALID_ARGUMENT);
        auth_io_input(in, sizeof in, 7, json, sig, challenge_io, cpu_io, "10115", all, 246);
        err = NULL;
        expect_error(soter_authenticate_io(chain_key, in, io, &err), &err, SOTER_STATUS_INVALID_ARGUMENT);
        auth_io_input(in, sizeof in, sizeof io, json, sig, challenge_io, "\xff", "10115", all, 246);
        err = NULL;
        expect_error(soter_authenticate_io(chain_key, in, io, &err), &err, SOTER_STATUS_INVALID_INPUT);
        auth_io_input(in, sizeof in, sizeof io, json, sig, challenge_io, cpu_io, "10115", all, 246);
        err = NULL;
        expect_error(soter_authenticate_io(NULL, in, io, &err), &err, SOTER_STATUS_INVALID_ARGUMENT);
        err = NULL;
        expect_error(soter_authenticate_io(chain_key, NULL, io, &err), &err, SOTER_STATUS_INVALID_ARGUMENT);
        err = NULL;
        expect_error(soter_authenticate_io(chain_key, in, NULL, &err), &err, SOTER_STATUS_INVALID_ARGUMENT);
    }
    soter_result_json_free(out);
    CHECK(soter_authenticate(chain_key, json.data, json.len, sig.data, sig.len, &e, NULL, NULL) == SOTER_STATUS_OK);
    out = NULL;
    err = NULL;
    expect_error(soter_authenticate(ask, json.data, json.len, sig.data, sig.len, &e, &out, &err), &err, SOTER_STATUS_SIGNATURE_INVALID);
    CHECK(out == NULL);
    e.challenge_len -= 1;
    err = NULL;
    expect_error(soter_authenticate(chain_key, json.data, json.len, sig.data, sig.len, &e, &out, &err), &err, SOTER_STATUS_CHALLENGE_MISMATCH);
    e.challenge_len += 1;
    e.uid = U8("10116");
    err = NULL;
    expect_error(soter_authenticate(chain_key, json.data, json.len, sig.data, sig.len, &e, &out, &err), &err, SOTER_STATUS_DEVICE_MISMATCH);
    e.uid = U8("10115");
    e.min_counter = 247;
    err = NULL;
    expect_error(soter_authenticate(chain_key, json.data, json.len, sig.data, sig.len, &e, &out, &err), &err, SOTER_STATUS_COUNTER_REPLAY);
    e.challenge = NULL;
    err = NULL;
    expect_error(soter_authenticate(chain_key, json.data, json.len, sig.data, sig.len, &e, &out, &err), &err, SOTER_STATUS_INVALID_ARGUMENT);
    err = NULL;
    expect_error(soter_authenticate(chain_key, json.data, json.len, sig.data, sig.len, NULL, &out, &err), &err, SOTER_STATUS_INVALID_ARGUMENT);

    /* one key shared by 4 threads */
    pthread_t t[4];
    ThreadArg args[4];
    for (int i = 0; i < 4; i++) {
        args[i].key = ak;
        args[i].json = json;
        args[i].sig = sig;
        args[i].ok = 0;
        pthread_create(&t[i], NULL, verify_many, &args[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK(args[i].ok == 500);
    }

    soter_auth_key_free(chain);
    soter_key_free(chain_key);
    soter_key_free(ask);
    soter_key_free(ak);
    free(b64);
    free(ask_pem.data);
    free(ak_pem.data);
    free(json.data);
    free(sig.data);
    free(ak_json.data);
    free(ak_sig.data);
}

int main(void) {
    test_basics();
    test_bad_input();
    const char *dir = getenv("SOTER_VECTORS");
    FILE *probe = NULL;
    if (dir) {
        char path[1024];
        snprintf(path, sizeof path, "%s/final_json.txt", dir);
        probe = fopen(path, "rb");
    }
    if (probe) {
        fclose(probe);
        test_vectors(dir);
    } else {
        printf("FAIL: real-device vectors not found (set SOTER_VECTORS to tests/vectors/tencent-soter-sample)\n");
        failed++;
    }
    printf("C ABI: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
