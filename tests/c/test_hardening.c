/*
 * Hardening through the C ABI: the hostile-input table (each row gets its documented status,
 * nothing crashes), out-of-range enum values in every place C passes one, client settings that
 * would send plain http off the machine, token callbacks returning huge lifetimes or calling
 * their own client, and 8 threads of mixed operations on shared keys and one shared WeChat
 * client against the in-process emulator. Run plain, under ASan+UBSan (make hardening) and
 * valgrind.
 * Prints a row-by-row table and "N passed, M failed". The key material is self-made
 * (soter_verify::testing::KeyPair and rsa_spki_der).
 */
#define _POSIX_C_SOURCE 200809L /* alarm, nanosleep under -std=c11 */
#include "soter_verify.h"
#include "check.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


/* Self-made key material, generated once with soter_verify::testing. */
static const char GOOD_KEY[] = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxWwDjeduKQqq2qnk8UeEGUgYW5b/ssRZ2begt2tSHlFIxLmQHTmfXn7btuRBa2pmtpja62fW5iqGNuJzco9c3qjOQiRbhqmUo8AXzIl9+UGtfBnIJojiDN3SB+YIKtjWuQAvXYB/Ag/q5rQ5ETYXOTQbJZ48ejxR7peW4NbVxErdctg0bjOY1f4QmbyNWj4ySp9eXQ1wbRoiyERHraKr2olECePCbeVMQg42q6DrW3l0gpXI2rQPYjtTtXqKhZv/3AVifto2b4HORoY8MKmf6oxk6vGgI/AgKxnBG1kluy0tbdnzYzY91Ur5yn6qtpCQ2lYfn1k8pRBQV9E7QsiK3wIDAQAB";
static const char MODULUS[] = "xWwDjeduKQqq2qnk8UeEGUgYW5b/ssRZ2begt2tSHlFIxLmQHTmfXn7btuRBa2pmtpja62fW5iqGNuJzco9c3qjOQiRbhqmUo8AXzIl9+UGtfBnIJojiDN3SB+YIKtjWuQAvXYB/Ag/q5rQ5ETYXOTQbJZ48ejxR7peW4NbVxErdctg0bjOY1f4QmbyNWj4ySp9eXQ1wbRoiyERHraKr2olECePCbeVMQg42q6DrW3l0gpXI2rQPYjtTtXqKhZv/3AVifto2b4HORoY8MKmf6oxk6vGgI/AgKxnBG1kluy0tbdnzYzY91Ur5yn6qtpCQ2lYfn1k8pRBQV9E7QsiK3w==";
static const char GOOD_SIG[] = "Yd2xs8XJ0c/f9jUbiaVso2MqWOa3NRJm9wLZkSQ31zQ7i1ATXKZI9p5SYjB1+0G/mRdywjRkRmUP2T0xVjpbzuLTdE6czLcw/BbwO6soiFapAF+pTr7k+ckvv6phmsdXmewZrRZKF1osDdJpK2rRzC0zTnXQ3fN35U3xN53pPFDHw8xSG4NX82NBgyCtuUcbx2sXUAGXZ8fU9XP4Ulz5xUyI5fhOmZmOt1V9DKW0Jll9V2ufbVKDswEeRCIJ98E1xFFDYwXZfyHpnfLQKzDDbw2cKmMdg4IP+h299EvebvvvSDKsRrsLdlcC6o1+Hjg/gxr/yICeIgHltPf6LCfCKw==";
static const char GOOD_MSG[] = "{\"raw\":\"hardening\",\"counter\":9,\"cpu_id\":\"c\",\"uid\":\"u\"}";
static const char KEY_EXP1[] = "MIIBIDANBgkqhkiG9w0BAQEFAAOCAQ0AMIIBCAKCAQEAxWwDjeduKQqq2qnk8UeEGUgYW5b/ssRZ2begt2tSHlFIxLmQHTmfXn7btuRBa2pmtpja62fW5iqGNuJzco9c3qjOQiRbhqmUo8AXzIl9+UGtfBnIJojiDN3SB+YIKtjWuQAvXYB/Ag/q5rQ5ETYXOTQbJZ48ejxR7peW4NbVxErdctg0bjOY1f4QmbyNWj4ySp9eXQ1wbRoiyERHraKr2olECePCbeVMQg42q6DrW3l0gpXI2rQPYjtTtXqKhZv/3AVifto2b4HORoY8MKmf6oxk6vGgI/AgKxnBG1kluy0tbdnzYzY91Ur5yn6qtpCQ2lYfn1k8pRBQV9E7QsiK3wIBAQ==";
static const char KEY_EXP_EVEN[] = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxWwDjeduKQqq2qnk8UeEGUgYW5b/ssRZ2begt2tSHlFIxLmQHTmfXn7btuRBa2pmtpja62fW5iqGNuJzco9c3qjOQiRbhqmUo8AXzIl9+UGtfBnIJojiDN3SB+YIKtjWuQAvXYB/Ag/q5rQ5ETYXOTQbJZ48ejxR7peW4NbVxErdctg0bjOY1f4QmbyNWj4ySp9eXQ1wbRoiyERHraKr2olECePCbeVMQg42q6DrW3l0gpXI2rQPYjtTtXqKhZv/3AVifto2b4HORoY8MKmf6oxk6vGgI/AgKxnBG1kluy0tbdnzYzY91Ur5yn6qtpCQ2lYfn1k8pRBQV9E7QsiK3wIDAQAA";
static const char KEY_SMALL_FACTOR[] = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA/////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////wIDAQAB";
static const char KEY_8192[] = "MIIEIjANBgkqhkiG9w0BAQEFAAOCBA8AMIIECgKCBAEA/////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////QIDAQAB";
static const char KEY_EC[] = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEpAEiGJAMgEGy80+U1S6DxueTtXFriPzOpIU4rOTex62OsxhALE955niHdFL3gsjU5AOa1JSApPRglEbn6Nlvuw==";
static const char KEY_ED25519[] = "MCowBQYDK2VwAyEAMilJAIsWVh0QYYV0hYBl6EYK7FE9lHuqV1l2hhoyNII=";
static const char KEY_DSA[] = "MIIBvjCCATMGByqGSM44BAEwggEmAoGBAJIXRaxdOZlJiXPfMJsWtANXx76NJMMKpdb0k5T2Vk5mGG3Ial1tbPQAmz8hatxsldjZp+fQCgA1raBYPIDw8DNfbz5yVN60yXaK6j0e81oEO2O3aLC0Igs/uaewg/INZhVf6T0z/QjPrTdGsyY+uX9NXcc5yLwMLyS7m2QhuJUnAh0A/GeNxj8ZEHozgiPBYG/YxLeiQ+x+O8jAUX0cqwKBgBoI+vRBGPOEfOuSMPEDwEE/y5c2hBNAdxqkcdlVBUdCmmQGvKe0cA1WXgxN4zajauuFt5utLsT8bUt1gihzAQrTLW7HOD4s+i/IMoXgoWDBW9LeiMab/LcfA7bKL+leo6BXIYwQ3k4pg+iQ1SYn/Co5EAYNCo2det5+91OmExg0A4GEAAKBgBHLv0gxzV1q6vEc1la7Xfd/4G/ab4D92jwvf1ZijjpXSp3tTip/NauI0wv2Y8nPfosLqG1Zrzlxk0PynMQ2oMupX0uiu1Q2/OW0GQEV2I0BhH5vCc+9HoIGURCLWsGejKXg73gPImjIp5xphYZ/3iOcGq34N/JV+kllrrjrObnT";
static const char KEY_RSA1024[] = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDKUGRHTbbfJYIWvUPz75sEg86ADjnJBinzvpniYVjhMHzWKCKEyHoDxF/BymBpilEH9V71s3JtXWu10b5E2qSEycmZPYM+V940TxRSS7Mm5zSgkubOFdzsLRWTUf+O8nke+ztdXqsSLk79FrDWGytApjKFGzcMAQacg0kbfs+rOwIDAQAB";

#define BASE "\"raw\":\"c\",\"counter\":7,\"cpu_id\":\"cpu\",\"uid\":\"u\""

typedef enum { ROW_KEY, ROW_JSON, ROW_SIG } RowKind;

typedef struct {
    const char *name;
    RowKind kind;
    const uint8_t *data;
    size_t len;
    SoterStatus want;
} Row;

static SoterKey *good_key;

static SoterStatus run_row(const Row *r) {
    SoterError *err = NULL;
    SoterStatus st = SOTER_STATUS_INTERNAL;
    if (r->kind == ROW_KEY) {
        SoterKey *k = NULL;
        st = soter_key_load(r->data, r->len, &k, &err);
        CHECK((st == SOTER_STATUS_OK) == (k != NULL));
        soter_key_free(k);
    } else if (r->kind == ROW_JSON) {
        SoterResultJson *j = NULL;
        st = soter_result_json_parse(r->data, r->len, &j, &err);
        CHECK((st == SOTER_STATUS_OK) == (j != NULL));
        soter_result_json_free(j);
    } else {
        st = soter_key_verify(good_key, U8(GOOD_MSG), strlen(GOOD_MSG), r->data, r->len, 20, NULL, &err);
    }
    CHECK((st == SOTER_STATUS_OK) == (err == NULL));
    if (err) CHECK(strlen(soter_error_message(err)) > 0);
    soter_error_free(err);
    return st;
}

static char *repeat(const char *prefix, const char *unit, size_t n, const char *mid, const char *unit2, const char *suffix) {
    size_t len = strlen(prefix) + n * (strlen(unit) + strlen(unit2)) + strlen(mid) + strlen(suffix) + 1;
    char *s = (char *)malloc(len);
    strcpy(s, prefix);
    char *p = s + strlen(s);
    for (size_t i = 0; i < n; i++) { memcpy(p, unit, strlen(unit)); p += strlen(unit); }
    strcpy(p, mid);
    p += strlen(mid);
    for (size_t i = 0; i < n; i++) { memcpy(p, unit2, strlen(unit2)); p += strlen(unit2); }
    strcpy(p, suffix);
    return s;
}

static void hostile_table(void) {
    CHECK(soter_key_load(U8(GOOD_KEY), strlen(GOOD_KEY), &good_key, NULL) == SOTER_STATUS_OK);
    char *deep = repeat("{" BASE ",\"x\":", "[", 100000, "", "]", "}");
    char *deep20 = repeat("{" BASE ",\"x\":", "[", 20, "", "]", "}");
    char *digits = repeat("{\"raw\":\"c\",\"counter\":", "9", 10000, "", "", ",\"cpu_id\":\"c\",\"uid\":\"u\"}");
    /* 300 distinct names (over the 256-member bound; each check used to scan every earlier name) */
    char *many = (char *)malloc(300 * 12 + 64);
    strcpy(many, "{" BASE);
    for (int i = 0; i < 300; i++) sprintf(many + strlen(many), ",\"n%d\":0", i);
    strcat(many, "}");
    size_t huge_len = 16u << 20;
    uint8_t *huge = (uint8_t *)malloc(huge_len);
    memset(huge, 'A', huge_len);
    static const char nul_json[] = "{" BASE ",\"z\":\"a\0b\"}";
    uint8_t zeros[256], ones[256];
    memset(zeros, 0, sizeof zeros);
    memset(ones, 0xff, sizeof ones);
#define TXT(s) U8(s), strlen(s)
    Row rows[] = {
        {"key: empty", ROW_KEY, U8(""), 0, SOTER_STATUS_INVALID_INPUT},
        {"key: NULL with length", ROW_KEY, NULL, 5, SOTER_STATUS_INVALID_ARGUMENT},
        {"key: garbage text", ROW_KEY, TXT("this is not a key"), SOTER_STATUS_INVALID_KEY},
        {"key: 16 MiB", ROW_KEY, huge, huge_len, SOTER_STATUS_INPUT_TOO_LARGE},
        {"key: RSA-1024", ROW_KEY, TXT(KEY_RSA1024), SOTER_STATUS_KEY_TOO_SMALL},
        {"key: RSA-8192", ROW_KEY, TXT(KEY_8192), SOTER_STATUS_UNSUPPORTED_KEY},
        {"key: exponent 1", ROW_KEY, TXT(KEY_EXP1), SOTER_STATUS_INVALID_KEY},
        {"key: even exponent", ROW_KEY, TXT(KEY_EXP_EVEN), SOTER_STATUS_INVALID_KEY},
        {"key: modulus with a small factor", ROW_KEY, TXT(KEY_SMALL_FACTOR), SOTER_STATUS_INVALID_KEY},
        {"key: EC P-256", ROW_KEY, TXT(KEY_EC), SOTER_STATUS_UNSUPPORTED_KEY},
        {"key: DSA", ROW_KEY, TXT(KEY_DSA), SOTER_STATUS_UNSUPPORTED_KEY},
        {"key: Ed25519", ROW_KEY, TXT(KEY_ED25519), SOTER_STATUS_UNSUPPORTED_KEY},
        {"key: valid RSA-2048", ROW_KEY, TXT(GOOD_KEY), SOTER_STATUS_OK},
        {"json: nested 100000 levels", ROW_JSON, TXT(deep), SOTER_STATUS_INPUT_TOO_LARGE},
        {"json: nested 20 levels", ROW_JSON, TXT(deep20), SOTER_STATUS_INVALID_JSON},
        {"json: counter with 10000 digits", ROW_JSON, TXT(digits), SOTER_STATUS_INVALID_JSON},
        {"json: NaN", ROW_JSON, TXT("{" BASE ",\"n\":NaN}"), SOTER_STATUS_INVALID_JSON},
        {"json: negative counter", ROW_JSON, TXT("{\"raw\":\"c\",\"counter\":-1,\"cpu_id\":\"c\",\"uid\":\"u\"}"), SOTER_STATUS_INVALID_JSON},
        {"json: overflowing counter", ROW_JSON, TXT("{\"raw\":\"c\",\"counter\":18446744073709551616,\"cpu_id\":\"c\",\"uid\":\"u\"}"), SOTER_STATUS_INVALID_JSON},
        {"json: counter as a string", ROW_JSON, TXT("{\"raw\":\"c\",\"counter\":\"7\",\"cpu_id\":\"c\",\"uid\":\"u\"}"), SOTER_STATUS_INVALID_JSON},
        {"json: trailing garbage", ROW_JSON, TXT("{" BASE "}garbage"), SOTER_STATUS_INVALID_JSON},
        {"json: UTF-8 BOM", ROW_JSON, TXT("\xEF\xBB\xBF{" BASE "}"), SOTER_STATUS_INVALID_JSON},
        {"json: duplicate keys", ROW_JSON, TXT("{" BASE ",\"uid\":\"v\"}"), SOTER_STATUS_DUPLICATE_FIELD},
        {"json: keys differing only by escapes", ROW_JSON, TXT("{" BASE ",\"r\\u0061w\":\"d\"}"), SOTER_STATUS_DUPLICATE_FIELD},
        {"json: embedded NUL byte", ROW_JSON, U8(nul_json), sizeof nul_json - 1, SOTER_STATUS_INVALID_JSON},
        {"json: invalid UTF-8", ROW_JSON, TXT("{\"raw\":\"\xff\"}"), SOTER_STATUS_INVALID_INPUT},
        {"json: 16 MiB", ROW_JSON, huge, huge_len, SOTER_STATUS_INPUT_TOO_LARGE},
        {"json: 300 distinct fields", ROW_JSON, TXT(many), SOTER_STATUS_INPUT_TOO_LARGE},
        {"json: valid", ROW_JSON, TXT("{" BASE "}"), SOTER_STATUS_OK},
        {"sig: all zeros", ROW_SIG, zeros, sizeof zeros, SOTER_STATUS_SIGNATURE_INVALID},
        {"sig: all 0xFF", ROW_SIG, ones, sizeof ones, SOTER_STATUS_SIGNATURE_INVALID},
        {"sig: equal to the modulus", ROW_SIG, TXT(MODULUS), SOTER_STATUS_SIGNATURE_INVALID},
        {"sig: truncated", ROW_SIG, zeros, 255, SOTER_STATUS_MALFORMED_SIGNATURE},
        {"sig: oversized", ROW_SIG, huge, 257, SOTER_STATUS_MALFORMED_SIGNATURE},
        {"sig: 16 MiB", ROW_SIG, huge, huge_len, SOTER_STATUS_INPUT_TOO_LARGE},
        {"sig: empty", ROW_SIG, U8(""), 0, SOTER_STATUS_MALFORMED_SIGNATURE},
        {"sig: valid base64", ROW_SIG, TXT(GOOD_SIG), SOTER_STATUS_OK},
    };
#undef TXT
    printf("%-40s %-34s %s\n", "hostile input", "status", "");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        SoterStatus st = run_row(&rows[i]);
        CHECK(st == rows[i].want);
        printf("%-40s %-34s %s\n", rows[i].name, soter_status_name(st), st == rows[i].want ? "ok" : "UNEXPECTED");
    }
    free(deep);
    free(deep20);
    free(digits);
    free(many);
    free(huge);
}

/* ---- enums: C may pass any int; every one that is not a value must be refused ---- */

/* Passed as plain ints: the parameters and the token_source field are int32_t (a C enum may
   hold any int, so the library takes the int and checks it). */
static const int32_t BAD_ENUM[] = {9, 99, 1000, -1, INT32_MAX, INT32_MIN};
#define N_BAD (sizeof BAD_ENUM / sizeof BAD_ENUM[0])

static void enum_table(const SoterEmulator *emu, const SoterWechatClient *client) {
    SoterResultJson *r = NULL;
    CHECK(soter_result_json_parse(U8("{" BASE "}"), strlen("{" BASE "}"), &r, NULL) == SOTER_STATUS_OK);
    const uint8_t *p = NULL;
    size_t n = 0;
    int refused = 0, rows = 0;
    for (size_t i = 0; i < N_BAD; i++, rows++) {
        SoterStatus st = soter_result_json_get(r, BAD_ENUM[i], &p, &n);
        refused += st == SOTER_STATUS_INVALID_ARGUMENT;
    }
    CHECK(soter_result_json_get(r, SOTER_FIELD_RAW, &p, &n) == SOTER_STATUS_OK && n == 1);
    soter_result_json_free(r);

    /* an AuthKey from a simulated device */
    SoterTestKeyPair *ask = NULL;
    SoterDevice *dev = NULL;
    CHECK(soter_test_key_pair_generate(2048, &ask, NULL) == SOTER_STATUS_OK);
    CHECK(soter_device_new(2048, &dev, NULL) == SOTER_STATUS_OK);
    char *ask_pem = NULL, *ak_json = NULL, *ak_sig = NULL;
    size_t ask_len = 0, ak_json_len = 0, ak_sig_len = 0;
    CHECK(soter_test_key_pair_public_key_pem(ask, &ask_pem, &ask_len, NULL) == SOTER_STATUS_OK);
    CHECK(soter_device_signed_auth_key(dev, ask, &ak_json, &ak_json_len, &ak_sig, &ak_sig_len, NULL) == SOTER_STATUS_OK);
    SoterKey *ask_key = NULL;
    SoterAuthKey *ak = NULL;
    CHECK(soter_key_load(U8(ask_pem), ask_len, &ask_key, NULL) == SOTER_STATUS_OK);
    CHECK(soter_verify_auth_key(ask_key, U8(ak_json), ak_json_len, U8(ak_sig), ak_sig_len, &ak, NULL) == SOTER_STATUS_OK);
    for (size_t i = 0; i < N_BAD; i++, rows++) {
        refused += soter_auth_key_get(ak, BAD_ENUM[i], &p, &n) == SOTER_STATUS_INVALID_ARGUMENT;
    }
    CHECK(soter_auth_key_get(ak, SOTER_FIELD_UID, &p, &n) == SOTER_STATUS_OK);
    soter_auth_key_free(ak);
    soter_key_free(ask_key);
    soter_string_free(ask_pem);
    soter_string_free(ak_json);
    soter_string_free(ak_sig);
    soter_device_free(dev);
    soter_test_key_pair_free(ask);

    /* a face result: text and number fields answer false for non-values */
    CHECK(soter_emulator_register_person(emu, U8("o_enum"), 6, U8("Enum"), 4, U8("110105194912310021"), 18, 0, 10000, NULL) == SOTER_STATUS_OK);
    char *ticket = NULL;
    CHECK(soter_emulator_issue_verify_result(emu, U8("o_enum"), 6, &ticket, NULL) == SOTER_STATUS_OK);
    SoterFaceInfo *info = NULL;
    CHECK(soter_wechat_face_get_info(client, U8(ticket), strlen(ticket), &info, NULL) == SOTER_STATUS_OK);
    soter_string_free(ticket);
    int64_t num = 0;
    for (size_t i = 0; i < N_BAD; i++, rows += 2) {
        refused += !soter_face_info_get(info, BAD_ENUM[i], &p, &n);
        refused += !soter_face_info_number(info, BAD_ENUM[i], &num);
    }
    CHECK(soter_face_info_number(info, SOTER_FACE_NUMBER_IDENTIFY_RET, &num) && num == 0);
    soter_face_info_free(info);

    /* SoterClientOptions.token_source */
    SoterClientOptions o;
    for (size_t i = 0; i < N_BAD; i++, rows++) {
        soter_client_options_init(&o);
        o.token_source = BAD_ENUM[i] == 9 ? 6 : BAD_ENUM[i]; /* any int: the field is int32_t */
        SoterWechatClient *c = NULL;
        SoterError *err = NULL;
        SoterStatus st = soter_wechat_client_new(U8("wxenum"), 6, U8("secret"), 6, &o, &c, &err);
        refused += st == SOTER_STATUS_INVALID_ARGUMENT && c == NULL && strstr(soter_error_message(err), "token_source") != NULL;
        soter_error_free(err);
    }

    /* SoterFault */
    for (size_t i = 0; i < N_BAD; i++, rows++) {
        int32_t f = BAD_ENUM[i] == 9 ? 7 : BAD_ENUM[i];
        refused += soter_emulator_inject_fault(emu, f, 1, 0, NULL, 0, NULL) == SOTER_STATUS_INVALID_ARGUMENT;
    }
    SoterEmulatorCounters counters;
    CHECK(soter_emulator_counters(emu, &counters, NULL) == SOTER_STATUS_OK);
    CHECK(refused == rows);
    printf("out-of-range enum values (field, auth key field, face field and number, token_source, fault): %d of %d refused\n", refused, rows);
}

/* ---- plain http must not leave the machine through a proxy ---- */

static void proxy_table(void) {
    struct { const char *name; const char *base; const char *proxy; bool allow; SoterStatus want; } rows[] = {
        {"http loopback base, remote proxy", "http://127.0.0.1:9", "http://proxy.example.invalid:3128", false, SOTER_STATUS_CONFIG},
        {"http loopback base, remote socks proxy", "http://[::1]:9", "socks5://proxy.example.invalid:1080", false, SOTER_STATUS_CONFIG},
        {"http loopback base, remote proxy, allowed", "http://127.0.0.1:9", "http://proxy.example.invalid:3128", true, SOTER_STATUS_OK},
        {"http loopback base, loopback proxy", "http://127.0.0.1:9", "http://127.0.0.1:3128", false, SOTER_STATUS_OK},
        {"https base, remote proxy", NULL, "http://proxy.example.invalid:3128", false, SOTER_STATUS_OK},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        SoterClientOptions o;
        soter_client_options_init(&o);
        if (rows[i].base) {
            o.base_url = U8(rows[i].base);
            o.base_url_len = strlen(rows[i].base);
        }
        o.proxy = U8(rows[i].proxy);
        o.proxy_len = strlen(rows[i].proxy);
        o.allow_insecure_http = rows[i].allow;
        SoterWechatClient *c = NULL;
        SoterStatus st = soter_wechat_client_new(U8("wxproxy"), 7, U8("proxy-secret"), 12, &o, &c, NULL);
        CHECK(st == rows[i].want);
        CHECK((st == SOTER_STATUS_OK) == (c != NULL));
        printf("%-45s %-34s %s\n", rows[i].name, soter_status_name(st), st == rows[i].want ? "ok" : "UNEXPECTED");
        soter_wechat_client_free(c);
    }
}

/* ---- the default salt rule reads rsa_pss_saltlen as the parser does (escapes included) ---- */

static uint8_t *slurp(const char *dir, const char *name, size_t *len) {
    char path[1024];
    snprintf(path, sizeof path, "%s/../hostile/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *buf = (uint8_t *)malloc(65536);
    *len = fread(buf, 1, 65536, f);
    fclose(f);
    return buf;
}

static void salt_rule(void) {
    const char *dir = getenv("SOTER_VECTORS");
    size_t pem_len = 0, json_len = 0, sig_len = 0;
    uint8_t *pem = dir ? slurp(dir, "key.pem", &pem_len) : NULL;
    uint8_t *json = dir ? slurp(dir, "saltlen_escaped.json", &json_len) : NULL;
    uint8_t *sig = dir ? slurp(dir, "saltlen_escaped.sig", &sig_len) : NULL;
    CHECK(pem && json && sig);
    if (pem && json && sig) {
        SoterKey *k = NULL;
        CHECK(soter_key_load(pem, pem_len, &k, NULL) == SOTER_STATUS_OK);
        uint32_t used = 0;
        SoterStatus v = soter_key_verify(k, json, json_len, sig, sig_len, SOTER_SALT_LEN_DEFAULT, &used, NULL);
        CHECK(v == SOTER_STATUS_OK && used == 32);
        SoterExpectations e;
        memset(&e, 0, sizeof e);
        e.challenge = U8("salt-rule");
        e.challenge_len = 9;
        e.salt_len = SOTER_SALT_LEN_DEFAULT;
        SoterStatus a = soter_authenticate(k, json, json_len, sig, sig_len, &e, NULL, NULL);
        CHECK(a == SOTER_STATUS_OK);
        printf("escaped rsa_pss_saltlen, default salt: verify %s, authenticate %s\n", soter_status_name(v), soter_status_name(a));
        soter_key_free(k);
    }
    free(pem);
    free(json);
    free(sig);
}

/* ---- token callbacks: a huge lifetime from 4 threads, and a callback that calls its client ---- */

static const SoterWechatClient *reentrant_client;
static SoterStatus reentrant_inner = SOTER_STATUS_OK;
static char shared_json[2048], shared_sig[1024];

static int32_t huge_lifetime(void *user_data, bool force_refresh, uint8_t *buf, size_t cap, size_t *len, int64_t *expires_in) {
    (void)user_data; (void)force_refresh; (void)cap;
    struct timespec pause = {0, 100 * 1000 * 1000};
    nanosleep(&pause, NULL); /* the other threads queue up behind this fetch */
    memcpy(buf, "C-HUGE-LIFETIME", 15);
    *len = 15;
    *expires_in = INT64_MAX;
    return 0;
}

static int32_t calls_its_client(void *user_data, bool force_refresh, uint8_t *buf, size_t cap, size_t *len, int64_t *expires_in) {
    (void)user_data; (void)force_refresh; (void)buf; (void)cap; (void)len; (void)expires_in;
    bool ok = false;
    reentrant_inner = soter_wechat_soter_verify_signature(reentrant_client, U8("o_tok"), 5, U8(shared_json), strlen(shared_json),
                                                          U8(shared_sig), strlen(shared_sig), &ok, NULL);
    return 1;
}

typedef struct { const SoterWechatClient *c; SoterStatus st; bool ok; } Call;

static void *call_verify(void *p) {
    Call *call = (Call *)p;
    call->st = soter_wechat_soter_verify_signature(call->c, U8("o_tok"), 5, U8(shared_json), strlen(shared_json),
                                                   U8(shared_sig), strlen(shared_sig), &call->ok, NULL);
    return NULL;
}

static void token_callbacks(const SoterEmulator *emu) {
    SoterDevice *dev = NULL;
    CHECK(soter_device_new(2048, &dev, NULL) == SOTER_STATUS_OK);
    char *pem = NULL, *json = NULL, *sig = NULL;
    size_t pem_len = 0, json_len = 0, sig_len = 0;
    CHECK(soter_device_public_key_pem(dev, &pem, &pem_len, NULL) == SOTER_STATUS_OK);
    CHECK(soter_emulator_register_device(emu, U8("o_tok"), 5, U8(pem), pem_len, NULL) == SOTER_STATUS_OK);
    CHECK(soter_device_sign_result(dev, U8("tok"), 3, 20, &json, &json_len, &sig, &sig_len, NULL) == SOTER_STATUS_OK);
    snprintf(shared_json, sizeof shared_json, "%s", json);
    snprintf(shared_sig, sizeof shared_sig, "%s", sig);
    CHECK(soter_emulator_add_token(emu, U8("C-HUGE-LIFETIME"), 15, 600, NULL) == SOTER_STATUS_OK);
    const char *base = soter_emulator_base_url(emu);
    SoterClientOptions o;
    soter_client_options_init(&o);
    o.base_url = U8(base);
    o.base_url_len = strlen(base);
    o.token_source = SOTER_TOKEN_SOURCE_CALLBACK;
    o.token_callback = huge_lifetime;

    /* A hang here (threads waiting forever on a flight that was never released) is caught by the
       watchdog: SIGALRM ends the program, which fails the run. */
    alarm(60);
    SoterWechatClient *c = NULL;
    CHECK(soter_wechat_client_new(U8("wxhardening"), 11, U8(""), 0, &o, &c, NULL) == SOTER_STATUS_OK);
    pthread_t t[4];
    Call calls[4];
    for (int i = 0; i < 4; i++) {
        calls[i].c = c;
        calls[i].st = SOTER_STATUS_INTERNAL;
        calls[i].ok = false;
        pthread_create(&t[i], NULL, call_verify, &calls[i]);
    }
    int good = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        good += calls[i].st == SOTER_STATUS_OK && calls[i].ok;
    }
    CHECK(good == 4);
    SoterClientStats stats;
    CHECK(soter_wechat_client_stats(c, &stats, NULL) == SOTER_STATUS_OK && stats.token_fetches == 1);
    Call later = {c, SOTER_STATUS_INTERNAL, false};
    call_verify(&later);
    CHECK(later.st == SOTER_STATUS_OK && later.ok);
    printf("callback lifetime INT64_MAX, 4 threads: %d of 4 returned true, %llu token fetch, later call %s\n", good,
           (unsigned long long)stats.token_fetches, soter_status_name(later.st));
    soter_wechat_client_free(c);

    o.token_callback = calls_its_client;
    SoterWechatClient *r = NULL;
    CHECK(soter_wechat_client_new(U8("wxhardening"), 11, U8(""), 0, &o, &r, NULL) == SOTER_STATUS_OK);
    reentrant_client = r;
    Call outer = {r, SOTER_STATUS_OK, false};
    call_verify(&outer);
    CHECK(reentrant_inner == SOTER_STATUS_INVALID_ARGUMENT);
    CHECK(outer.st == SOTER_STATUS_TOKEN);
    printf("re-entrant token callback: inner call %s, outer call %s\n", soter_status_name(reentrant_inner), soter_status_name(outer.st));
    alarm(0);
    soter_wechat_client_free(r);
    soter_string_free(pem);
    soter_string_free(json);
    soter_string_free(sig);
    soter_device_free(dev);
}

/* ---- 8 threads, mixed operations, shared key and client ---- */

typedef struct {
    const SoterWechatClient *client;
    const SoterDevice *device;
    int index;
    int errors;
} Worker;

static void *worker(void *p) {
    Worker *w = (Worker *)p;
    for (int i = 0; i < 40; i++) {
        SoterKey *k = NULL;
        if (soter_key_load(U8(GOOD_KEY), strlen(GOOD_KEY), &k, NULL) != SOTER_STATUS_OK) w->errors++;
        if (soter_key_verify(good_key, U8(GOOD_MSG), strlen(GOOD_MSG), U8(GOOD_SIG), strlen(GOOD_SIG), SOTER_SALT_LEN_DEFAULT, NULL, NULL) != SOTER_STATUS_OK) w->errors++;
        if (soter_key_verify(k, U8(GOOD_MSG), strlen(GOOD_MSG) - 1, U8(GOOD_SIG), strlen(GOOD_SIG), 20, NULL, NULL) != SOTER_STATUS_SIGNATURE_INVALID) w->errors++;
        soter_key_free(k);
        char challenge[SOTER_CHALLENGE_LEN + 1];
        if (soter_new_challenge(challenge, sizeof challenge, NULL, NULL) != SOTER_STATUS_OK) w->errors++;
        char *json = NULL, *sig = NULL;
        size_t json_len = 0, sig_len = 0;
        if (soter_device_sign_result(w->device, U8(challenge), strlen(challenge), 20, &json, &json_len, &sig, &sig_len, NULL) != SOTER_STATUS_OK) {
            w->errors++;
            continue;
        }
        SoterResultJson *r = NULL;
        if (soter_result_json_parse(U8(json), json_len, &r, NULL) != SOTER_STATUS_OK) w->errors++;
        soter_result_json_free(r);
        bool ok = false;
        SoterError *err = NULL;
        if (soter_wechat_soter_verify_signature(w->client, U8("openid-hardening"), 16, U8(json), json_len, U8(sig), sig_len, &ok, &err) != SOTER_STATUS_OK || !ok) {
            w->errors++;
            if (err) fprintf(stderr, "worker %d: %s\n", w->index, soter_error_message(err));
        }
        soter_error_free(err);
        soter_string_free(json);
        soter_string_free(sig);
    }
    return NULL;
}

static void mixed_threads(void) {
    SoterEmulator *emu = NULL;
    CHECK(soter_emulator_start(U8("wxhardening"), 11, U8("hardening-secret"), 16, NULL, &emu, NULL) == SOTER_STATUS_OK);
    SoterDevice *device = NULL;
    CHECK(soter_device_new(2048, &device, NULL) == SOTER_STATUS_OK);
    char *pem = NULL;
    size_t pem_len = 0;
    CHECK(soter_device_public_key_pem(device, &pem, &pem_len, NULL) == SOTER_STATUS_OK);
    CHECK(soter_emulator_register_device(emu, U8("openid-hardening"), 16, U8(pem), pem_len, NULL) == SOTER_STATUS_OK);
    soter_string_free(pem);
    SoterClientOptions opts;
    soter_client_options_init(&opts);
    const char *base = soter_emulator_base_url(emu);
    opts.base_url = U8(base);
    opts.base_url_len = strlen(base);
    SoterWechatClient *client = NULL;
    CHECK(soter_wechat_client_new(U8("wxhardening"), 11, U8("hardening-secret"), 16, &opts, &client, NULL) == SOTER_STATUS_OK);
    pthread_t t[8];
    Worker w[8];
    for (int i = 0; i < 8; i++) {
        w[i].client = client;
        w[i].device = device;
        w[i].index = i;
        w[i].errors = 0;
        pthread_create(&t[i], NULL, worker, &w[i]);
    }
    int errors = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        errors += w[i].errors;
    }
    CHECK(errors == 0);
    printf("8 threads x 40 mixed rounds (load, verify, challenge, sign, parse, WeChat call): %d errors\n", errors);
    enum_table(emu, client);
    token_callbacks(emu);
    soter_wechat_client_free(client);
    soter_device_free(device);
    soter_emulator_stop(emu);
    soter_emulator_free(emu);
}

int main(void) {
    hostile_table();
    proxy_table();
    salt_rule();
    mixed_threads();
    soter_key_free(good_key);
    printf("C hardening: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
