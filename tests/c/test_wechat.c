/*
 * The WeChat client, the emulator and the device simulator from C (built as C11 and as C++17
 * with -Wall -Wextra -Werror). Everything runs over loopback against the in-process emulator.
 * Prints "N passed, M failed" and exits non-zero on any failure.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */
#include "soter_verify.h"
#include "check.h"

#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S(s) U8(s), strlen(s)

static const char *APPID = "wx0123456789abcdef";
static const char *SECRET = "c-test-app-secret";
static const char *OPENID = "o_c_user";

/* The status of a failed call, checking the error and optionally WeChat's errcode. */
static void expect(SoterStatus st, SoterError **slot, SoterStatus want, int has_code, int64_t want_code) {
    SoterError *err = *slot;
    *slot = NULL;
    CHECK(st == want);
    CHECK(err != NULL);
    if (!err) return;
    CHECK(soter_error_status(err) == want);
    CHECK(strlen(soter_error_message(err)) > 5);
    CHECK(strstr(soter_error_message(err), SECRET) == NULL);
    int64_t code = 0;
    if (has_code) {
        CHECK(soter_error_errcode(err, &code) && code == want_code);
        CHECK(soter_error_errmsg(err) != NULL);
    }
    if (st != want) fprintf(stderr, "  got %s: %s\n", soter_status_name(st), soter_error_message(err));
    soter_error_free(err);
}

static SoterWechatClient *new_client(const SoterEmulator *emu, SoterTokenSource source, uint32_t timeout_ms) {
    SoterClientOptions o;
    soter_client_options_init(&o);
    const char *url = soter_emulator_base_url(emu);
    o.base_url = U8(url);
    o.base_url_len = strlen(url);
    o.backoff_base_ms = 5;
    o.backoff_max_ms = 20;
    o.timeout_ms = timeout_ms;
    o.token_source = source;
    SoterWechatClient *c = NULL;
    SoterError *err = NULL;
    SoterStatus st = soter_wechat_client_new(S(APPID), S(SECRET), &o, &c, &err);
    CHECK(st == SOTER_STATUS_OK && c != NULL);
    if (err) fprintf(stderr, "client: %s\n", soter_error_message(err));
    soter_error_free(err);
    return c;
}

typedef struct {
    char *json;
    char *sig;
} Signed;

static Signed sign(const SoterDevice *dev, uint32_t salt) {
    Signed s = {NULL, NULL};
    char challenge[SOTER_CHALLENGE_LEN + 1];
    CHECK(soter_new_challenge(challenge, sizeof challenge, NULL, NULL) == SOTER_STATUS_OK);
    size_t jl = 0, sl = 0;
    CHECK(soter_device_sign_result(dev, S(challenge), salt, &s.json, &jl, &s.sig, &sl, NULL) == SOTER_STATUS_OK);
    CHECK(jl == strlen(s.json) && sl == strlen(s.sig));
    CHECK(strstr(s.json, challenge) != NULL);
    return s;
}

static void free_signed(Signed s) {
    soter_string_free(s.json);
    soter_string_free(s.sig);
}

static SoterStatus verify(const SoterWechatClient *c, const char *openid, Signed s, bool *ok, SoterError **err) {
    return soter_wechat_soter_verify_signature(c, S(openid), S(s.json), S(s.sig), ok, err);
}

typedef struct {
    const SoterWechatClient *client;
    Signed s;
    int ok;
} ThreadArg;

static void *verify_thread(void *p) {
    ThreadArg *a = (ThreadArg *)p;
    for (int i = 0; i < 10; i++) {
        bool ok = false;
        if (verify(a->client, OPENID, a->s, &ok, NULL) == SOTER_STATUS_OK && ok) a->ok++;
    }
    return NULL;
}

static int callback_calls, callback_forced;

static int32_t token_callback(void *user_data, bool force_refresh, uint8_t *buf, size_t cap, size_t *len, int64_t *expires_in) {
    const SoterEmulator *emu = (const SoterEmulator *)user_data;
    char token[64];
    snprintf(token, sizeof token, "C-CALLBACK-TOKEN-%d", callback_calls++);
    if (force_refresh) callback_forced++;
    size_t n = strlen(token);
    if (n > cap) return 1;
    if (soter_emulator_add_token(emu, U8(token), n, 600, NULL) != SOTER_STATUS_OK) return 2;
    memcpy(buf, token, n);
    *len = n;
    *expires_in = 600;
    return 0;
}

static int32_t failing_callback(void *user_data, bool force_refresh, uint8_t *buf, size_t cap, size_t *len, int64_t *expires_in) {
    (void)user_data; (void)force_refresh; (void)buf; (void)cap; (void)len; (void)expires_in;
    return 7;
}

static void test_simulator(void) {
    SoterTestKeyPair *ask = NULL;
    SoterDevice *dev = NULL;
    CHECK(soter_test_key_pair_generate(2048, &ask, NULL) == SOTER_STATUS_OK);
    CHECK(soter_device_new(2048, &dev, NULL) == SOTER_STATUS_OK);
    SoterError *err = NULL;
    SoterTestKeyPair *tiny = NULL;
    expect(soter_test_key_pair_generate(1024, &tiny, &err), &err, SOTER_STATUS_INVALID_ARGUMENT, 0, 0);
    CHECK(tiny == NULL);
    CHECK(strlen(soter_device_cpu_id(dev)) == 40);
    CHECK(strlen(soter_device_uid(dev)) > 0);
    CHECK(strcmp(soter_device_cpu_id(NULL), "") == 0 && strcmp(soter_device_uid(NULL), "") == 0);

    char *ask_pem = NULL, *dev_pem = NULL;
    size_t ask_len = 0, dev_len = 0;
    CHECK(soter_test_key_pair_public_key_pem(ask, &ask_pem, &ask_len, NULL) == SOTER_STATUS_OK);
    CHECK(soter_device_public_key_pem(dev, &dev_pem, &dev_len, NULL) == SOTER_STATUS_OK);
    SoterKey *ask_key = NULL, *dev_key = NULL;
    CHECK(soter_key_load(U8(ask_pem), ask_len, &ask_key, NULL) == SOTER_STATUS_OK);
    CHECK(soter_key_load(U8(dev_pem), dev_len, &dev_key, NULL) == SOTER_STATUS_OK);

    /* AuthKey chain: ASK signs the AuthKey export; its key is the device key. */
    char *ak_json = NULL, *ak_sig = NULL;
    size_t ak_json_len = 0, ak_sig_len = 0;
    CHECK(soter_device_signed_auth_key(dev, ask, &ak_json, &ak_json_len, &ak_sig, &ak_sig_len, NULL) == SOTER_STATUS_OK);
    SoterAuthKey *ak = NULL;
    CHECK(soter_verify_auth_key(ask_key, U8(ak_json), ak_json_len, U8(ak_sig), ak_sig_len, &ak, NULL) == SOTER_STATUS_OK);
    SoterKey *from_ak = NULL;
    CHECK(ak && soter_auth_key_public_key(ak, &from_ak, NULL) == SOTER_STATUS_OK);
    CHECK(soter_key_equal(from_ak, dev_key));

    /* Results: rising counter, salt 20 and 32, verified locally. */
    Signed a = sign(dev, 20), b = sign(dev, 32);
    CHECK(strstr(b.json, "\"rsa_pss_saltlen\":32") != NULL);
    uint32_t salt = 0;
    CHECK(soter_key_verify(dev_key, S(a.json), S(a.sig), SOTER_SALT_LEN_DEFAULT, &salt, NULL) == SOTER_STATUS_OK && salt == 20);
    CHECK(soter_key_verify(dev_key, S(b.json), S(b.sig), SOTER_SALT_LEN_DEFAULT, &salt, NULL) == SOTER_STATUS_OK && salt == 32);
    SoterResultJson *ra = NULL, *rb = NULL;
    CHECK(soter_result_json_parse(S(a.json), &ra, NULL) == SOTER_STATUS_OK);
    CHECK(soter_result_json_parse(S(b.json), &rb, NULL) == SOTER_STATUS_OK);
    CHECK(soter_result_json_counter(rb) == soter_result_json_counter(ra) + 1);

    soter_result_json_free(ra);
    soter_result_json_free(rb);
    free_signed(a);
    free_signed(b);
    soter_key_free(from_ak);
    soter_auth_key_free(ak);
    soter_string_free(ak_json);
    soter_string_free(ak_sig);
    soter_key_free(ask_key);
    soter_key_free(dev_key);
    soter_string_free(ask_pem);
    soter_string_free(dev_pem);
    soter_device_free(dev);
    soter_test_key_pair_free(ask);
    soter_device_free(NULL);
    soter_test_key_pair_free(NULL);
}

static void test_client_against_emulator(void) {
    SoterEmulator *emu = NULL;
    SoterError *err = NULL;
    SoterEmulatorOptions eo = {NULL, 0, 0, false, false};
    CHECK(soter_emulator_start(S(APPID), S(SECRET), &eo, &emu, &err) == SOTER_STATUS_OK && emu != NULL);
    if (!emu) return;
    CHECK(strncmp(soter_emulator_base_url(emu), "http://127.0.0.1:", 17) == 0);
    CHECK(strcmp(soter_emulator_base_url(NULL), "") == 0);

    /* Non-loopback listen addresses are refused. */
    SoterEmulator *bad = NULL;
    SoterEmulatorOptions remote = {U8("0.0.0.0:0"), 9, 0, false, false};
    expect(soter_emulator_start(S(APPID), S(SECRET), &remote, &bad, &err), &err, SOTER_STATUS_CONFIG, 0, 0);
    CHECK(bad == NULL);

    SoterDevice *dev = NULL;
    CHECK(soter_device_new(2048, &dev, NULL) == SOTER_STATUS_OK);
    char *pem = NULL;
    size_t pem_len = 0;
    CHECK(soter_device_public_key_pem(dev, &pem, &pem_len, NULL) == SOTER_STATUS_OK);
    CHECK(soter_emulator_register_device(emu, S(OPENID), U8(pem), pem_len, NULL) == SOTER_STATUS_OK);
    expect(soter_emulator_register_device(emu, S(OPENID), S("junk"), &err), &err, SOTER_STATUS_INVALID_KEY, 0, 0);

    /* Plain http to a remote host is refused before any connection. */
    SoterClientOptions o;
    soter_client_options_init(&o);
    o.base_url = U8("http://wechat.invalid");
    o.base_url_len = strlen("http://wechat.invalid");
    SoterWechatClient *refused = NULL;
    expect(soter_wechat_client_new(S(APPID), S(SECRET), &o, &refused, &err), &err, SOTER_STATUS_CONFIG, 0, 0);
    CHECK(refused == NULL);
    soter_client_options_init(NULL);

    SoterWechatClient *c = new_client(emu, SOTER_TOKEN_SOURCE_STABLE, 0);
    Signed s = sign(dev, 20);
    bool ok = false;

    /* 200 calls, one token, one connection. */
    int good = 0;
    for (int i = 0; i < 200; i++) {
        ok = false;
        if (verify(c, OPENID, s, &ok, NULL) == SOTER_STATUS_OK && ok) good++;
    }
    CHECK(good == 200);
    SoterEmulatorCounters n;
    CHECK(soter_emulator_counters(emu, &n, NULL) == SOTER_STATUS_OK);
    printf("C: 200 calls -> %llu token request(s), %llu connection(s)\n",
           (unsigned long long)n.token_requests, (unsigned long long)n.connections);
    CHECK(n.token_requests == 1 && n.token_issues == 1 && n.connections == 1 && n.verify_signature_requests == 200);
    CHECK(soter_emulator_requests_to(emu, S("/cgi-bin/stable_token")) == 1);
    CHECK(soter_emulator_requests_to(NULL, S("/x")) == 0);

    /* Tampered JSON: errcode 0 and is_ok false, a failed verification (OK status, false). */
    Signed t = s;
    char *tampered = (char *)malloc(strlen(s.json) + 2);
    strcpy(tampered, s.json);
    tampered[2] = tampered[2] == 'r' ? 'R' : 'r';
    t.json = tampered;
    ok = true;
    CHECK(verify(c, OPENID, t, &ok, NULL) == SOTER_STATUS_OK && !ok);
    free(tampered);
    expect(verify(c, "o_unknown", s, &ok, &err), &err, SOTER_STATUS_WECHAT_API, 1, 40003);

    /* Salt 32 (Huawei style). */
    Signed h = sign(dev, 32);
    ok = false;
    CHECK(verify(c, OPENID, h, &ok, NULL) == SOTER_STATUS_OK && ok);
    free_signed(h);

    /* Faults. */
    CHECK(soter_emulator_inject_fault(emu, SOTER_FAULT_INVALID_TOKEN, 1, 0, NULL, 0, NULL) == SOTER_STATUS_OK);
    ok = false;
    CHECK(verify(c, OPENID, s, &ok, NULL) == SOTER_STATUS_OK && ok);
    SoterClientStats cs;
    CHECK(soter_wechat_client_stats(c, &cs, NULL) == SOTER_STATUS_OK);
    CHECK(cs.token_retries == 1 && cs.token_fetches == 2);

    CHECK(soter_emulator_inject_fault(emu, SOTER_FAULT_SYSTEM_BUSY, 2, 0, NULL, 0, NULL) == SOTER_STATUS_OK);
    ok = false;
    CHECK(verify(c, OPENID, s, &ok, NULL) == SOTER_STATUS_OK && ok);
    CHECK(soter_wechat_client_stats(c, &cs, NULL) == SOTER_STATUS_OK && cs.retries == 2);

    CHECK(soter_emulator_inject_fault(emu, SOTER_FAULT_SYSTEM_BUSY, -1, 0, NULL, 0, NULL) == SOTER_STATUS_OK);
    expect(verify(c, OPENID, s, &ok, &err), &err, SOTER_STATUS_WECHAT_API, 1, -1);
    soter_emulator_clear_faults(emu);
    CHECK(soter_wechat_client_stats(c, &cs, NULL) == SOTER_STATUS_OK && cs.retries == 4);

    CHECK(soter_emulator_inject_fault(emu, SOTER_FAULT_HTTP500, 1, 0, NULL, 0, NULL) == SOTER_STATUS_OK);
    CHECK(verify(c, OPENID, s, &ok, NULL) == SOTER_STATUS_OK && ok);
    CHECK(soter_emulator_inject_fault(emu, SOTER_FAULT_DROP_CONNECTION, 1, 0, NULL, 0, NULL) == SOTER_STATUS_OK);
    CHECK(verify(c, OPENID, s, &ok, NULL) == SOTER_STATUS_OK && ok);
    CHECK(soter_emulator_inject_fault(emu, SOTER_FAULT_MALFORMED_BODY, 1, 0, S("/cgi-bin/soter/verify_signature"), NULL) == SOTER_STATUS_OK);
    expect(verify(c, OPENID, s, &ok, &err), &err, SOTER_STATUS_MALFORMED_RESPONSE, 0, 0);
    CHECK(soter_emulator_inject_fault(emu, SOTER_FAULT_EXPIRED_TOKEN, 1, 0, NULL, 0, NULL) == SOTER_STATUS_OK);
    /* Within 30 s of the last forced refresh, stable_token hands back the same token: TOKEN. */
    expect(verify(c, OPENID, s, &ok, &err), &err, SOTER_STATUS_TOKEN, 1, 42001);

    /* Timeouts. */
    SoterWechatClient *quick = new_client(emu, SOTER_TOKEN_SOURCE_STABLE, 300);
    CHECK(verify(quick, OPENID, s, &ok, NULL) == SOTER_STATUS_OK && ok);
    CHECK(soter_emulator_inject_fault(emu, SOTER_FAULT_DELAY, 1, 1500, NULL, 0, NULL) == SOTER_STATUS_OK);
    expect(verify(quick, OPENID, s, &ok, &err), &err, SOTER_STATUS_TIMEOUT, 0, 0);
    soter_wechat_client_free(quick);

    /* 8 threads on a cold cache: one token request. */
    soter_wechat_client_clear_token(c);
    soter_wechat_client_clear_token(NULL);
    soter_emulator_reset_counters(emu);
    soter_emulator_expire_tokens(emu);
    pthread_t th[8];
    ThreadArg args[8];
    for (int i = 0; i < 8; i++) {
        args[i].client = c;
        args[i].s = s;
        args[i].ok = 0;
        pthread_create(&th[i], NULL, verify_thread, &args[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        CHECK(args[i].ok == 10);
    }
    CHECK(soter_emulator_counters(emu, &n, NULL) == SOTER_STATUS_OK);
    printf("C: 8 threads on a cold cache -> %llu token request(s)\n", (unsigned long long)n.token_requests);
    CHECK(n.token_requests == 1);

    /* Fixed token, replaced. */
    CHECK(soter_emulator_add_token(emu, S("C-FIXED-1"), 600, NULL) == SOTER_STATUS_OK);
    soter_client_options_init(&o);
    o.base_url = U8(soter_emulator_base_url(emu));
    o.base_url_len = strlen(soter_emulator_base_url(emu));
    o.token_source = SOTER_TOKEN_SOURCE_FIXED;
    o.fixed_token = U8("C-FIXED-1");
    o.fixed_token_len = 9;
    SoterWechatClient *fixed = NULL;
    CHECK(soter_wechat_client_new(S(APPID), U8(""), 0, &o, &fixed, NULL) == SOTER_STATUS_OK);
    CHECK(verify(fixed, OPENID, s, &ok, NULL) == SOTER_STATUS_OK && ok);
    soter_emulator_expire_tokens(emu);
    expect(verify(fixed, OPENID, s, &ok, &err), &err, SOTER_STATUS_TOKEN, 1, 42001);
    CHECK(soter_emulator_add_token(emu, S("C-FIXED-2"), 600, NULL) == SOTER_STATUS_OK);
    CHECK(soter_wechat_client_set_fixed_token(fixed, S("C-FIXED-2"), NULL) == SOTER_STATUS_OK);
    CHECK(verify(fixed, OPENID, s, &ok, NULL) == SOTER_STATUS_OK && ok);
    expect(soter_wechat_client_set_fixed_token(c, S("X"), &err), &err, SOTER_STATUS_INVALID_ARGUMENT, 0, 0);
    soter_wechat_client_free(fixed);

    /* Callback token source: called once, then forced after a token error. */
    o.token_source = SOTER_TOKEN_SOURCE_CALLBACK;
    o.token_callback = token_callback;
    o.token_callback_user_data = emu;
    SoterWechatClient *cb = NULL;
    CHECK(soter_wechat_client_new(S(APPID), U8(""), 0, &o, &cb, NULL) == SOTER_STATUS_OK);
    CHECK(verify(cb, OPENID, s, &ok, NULL) == SOTER_STATUS_OK && ok);
    CHECK(verify(cb, OPENID, s, &ok, NULL) == SOTER_STATUS_OK && ok);
    CHECK(callback_calls == 1 && callback_forced == 0);
    CHECK(soter_emulator_inject_fault(emu, SOTER_FAULT_INVALID_TOKEN, 1, 0, NULL, 0, NULL) == SOTER_STATUS_OK);
    CHECK(verify(cb, OPENID, s, &ok, NULL) == SOTER_STATUS_OK && ok);
    CHECK(callback_calls == 2 && callback_forced == 1);
    soter_wechat_client_free(cb);
    o.token_callback = failing_callback;
    CHECK(soter_wechat_client_new(S(APPID), U8(""), 0, &o, &cb, NULL) == SOTER_STATUS_OK);
    expect(verify(cb, OPENID, s, &ok, &err), &err, SOTER_STATUS_TOKEN, 0, 0);
    soter_wechat_client_free(cb);
    o.token_callback = NULL;
    cb = NULL;
    expect(soter_wechat_client_new(S(APPID), U8(""), 0, &o, &cb, &err), &err, SOTER_STATUS_INVALID_ARGUMENT, 0, 0);

    /* Token file (cloud hosting 微信令牌). */
    const char *path = "tests/c/build/cloudbase_access_token";
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("C-CLOUDBASE-TOKEN\n", f);
        fclose(f);
        CHECK(soter_emulator_add_token(emu, S("C-CLOUDBASE-TOKEN"), 600, NULL) == SOTER_STATUS_OK);
        o.token_source = SOTER_TOKEN_SOURCE_CLOUDBASE_FILE;
        o.token_file = U8(path);
        o.token_file_len = strlen(path);
        SoterWechatClient *fc = NULL;
        CHECK(soter_wechat_client_new(S(APPID), U8(""), 0, &o, &fc, NULL) == SOTER_STATUS_OK);
        CHECK(verify(fc, OPENID, s, &ok, NULL) == SOTER_STATUS_OK && ok);
        soter_wechat_client_free(fc);
        remove(path);
    }

    /* Classic token. */
    SoterWechatClient *classic = new_client(emu, SOTER_TOKEN_SOURCE_CLASSIC, 0);
    soter_emulator_reset_counters(emu);
    CHECK(verify(classic, OPENID, s, &ok, NULL) == SOTER_STATUS_OK && ok);
    CHECK(soter_emulator_requests_to(emu, S("/cgi-bin/token")) == 1);
    soter_wechat_client_free(classic);

    /* Wrong secret: a token error carrying WeChat's errcode. */
    SoterWechatClient *wrong = NULL;
    soter_client_options_init(&o);
    o.base_url = U8(soter_emulator_base_url(emu));
    o.base_url_len = strlen(soter_emulator_base_url(emu));
    CHECK(soter_wechat_client_new(S(APPID), S("not-the-secret"), &o, &wrong, NULL) == SOTER_STATUS_OK);
    expect(verify(wrong, OPENID, s, &ok, &err), &err, SOTER_STATUS_TOKEN, 1, 40125);
    soter_wechat_client_free(wrong);

    free_signed(s);
    soter_string_free(pem);
    soter_device_free(dev);
    soter_wechat_client_free(c);
    soter_wechat_client_free(NULL);
    soter_emulator_stop(emu);
    soter_emulator_stop(emu);
    soter_emulator_free(emu);
    soter_emulator_free(NULL);
}

static void test_open_api_mode(void) {
    SoterEmulator *emu = NULL;
    SoterEmulatorOptions eo = {U8("127.0.0.1:0"), 11, 60, true, false};
    CHECK(soter_emulator_start(S(APPID), S(SECRET), &eo, &emu, NULL) == SOTER_STATUS_OK);
    SoterDevice *dev = NULL;
    CHECK(soter_device_new(2048, &dev, NULL) == SOTER_STATUS_OK);
    char *pem = NULL;
    CHECK(soter_device_public_key_pem(dev, &pem, NULL, NULL) == SOTER_STATUS_OK);
    CHECK(soter_emulator_register_device(emu, S(OPENID), S(pem), NULL) == SOTER_STATUS_OK);
    SoterWechatClient *c = new_client(emu, SOTER_TOKEN_SOURCE_CLOUD_OPEN_API, 0);
    Signed s = sign(dev, 20);
    bool ok = false;
    CHECK(verify(c, OPENID, s, &ok, NULL) == SOTER_STATUS_OK && ok);
    SoterEmulatorCounters n;
    CHECK(soter_emulator_counters(emu, &n, NULL) == SOTER_STATUS_OK && n.token_requests == 0);
    free_signed(s);
    soter_string_free(pem);
    soter_device_free(dev);
    soter_wechat_client_free(c);
    soter_emulator_free(emu);
}

static void test_face(void) {
    SoterEmulator *emu = NULL;
    CHECK(soter_emulator_start(S(APPID), S(SECRET), NULL, &emu, NULL) == SOTER_STATUS_OK);
    SoterWechatClient *c = new_client(emu, SOTER_TOKEN_SOURCE_STABLE, 0);
    SoterError *err = NULL;
    const char *name = "\xe5\xbc\xa0\xe4\xb8\x89"; /* 张三 */
    const char *id = "310101199801011234";

    /* cert_hash check value from DESIGN.md. */
    SoterCertInfo cert = {NULL, 0, U8(name), strlen(name), U8(id), strlen(id)};
    char hash[SOTER_CERT_HASH_LEN + 1];
    CHECK(soter_cert_hash(&cert, hash, sizeof hash, NULL) == SOTER_STATUS_OK);
    CHECK(strcmp(hash, "3c241f7ff324977aeb91f173bb2a7b06569e6fd784d5573db34a636d8671108b") == 0);
    expect(soter_cert_hash(&cert, hash, 10, &err), &err, SOTER_STATUS_INVALID_ARGUMENT, 0, 0);

    CHECK(soter_emulator_register_person(emu, S("o_face"), S(name), S(id), 0, 10000, NULL) == SOTER_STATUS_OK);
    CHECK(soter_emulator_register_person(emu, S("o_fail"), S(name), S("11010519491231002x"), 90100, 90003, NULL) == SOTER_STATUS_OK);

    /* Legacy getinfo. */
    char *ticket = NULL;
    CHECK(soter_emulator_issue_verify_result(emu, S("o_face"), &ticket, NULL) == SOTER_STATUS_OK);
    SoterFaceInfo *info = NULL;
    CHECK(soter_wechat_face_get_info(c, S(ticket), &info, NULL) == SOTER_STATUS_OK);
    CHECK(soter_face_info_passed(info));
    CHECK(soter_face_info_matches_person(info, S(name), S(id)));
    CHECK(!soter_face_info_matches_person(info, S("other"), S(id)));
    const uint8_t *p = NULL;
    size_t len = 0;
    CHECK(soter_face_info_get(info, SOTER_FACE_FIELD_OPENID, &p, &len) && len == 6 && memcmp(p, "o_face", 6) == 0);
    CHECK(soter_face_info_get(info, SOTER_FACE_FIELD_ID_CARD_NUMBER_MD5, &p, &len) && len == 32);
    CHECK(soter_face_info_get(info, SOTER_FACE_FIELD_NAME_UTF8_MD5, &p, &len) && len == 32);
    int64_t v = -5;
    CHECK(soter_face_info_number(info, SOTER_FACE_NUMBER_IDENTIFY_RET, &v) && v == 0);
    CHECK(soter_face_info_number(info, SOTER_FACE_NUMBER_ERRCODE, &v) && v == 0);
    CHECK(soter_face_info_number(info, SOTER_FACE_NUMBER_FINISH_TIME, &v) && v > 1600000000);
    CHECK(!soter_face_info_number(NULL, SOTER_FACE_NUMBER_ERRCODE, &v));
    CHECK(!soter_face_info_get(NULL, SOTER_FACE_FIELD_ERRMSG, &p, &len));
    soter_face_info_free(info);
    soter_string_free(ticket);

    CHECK(soter_emulator_issue_verify_result(emu, S("o_fail"), &ticket, NULL) == SOTER_STATUS_OK);
    CHECK(soter_wechat_face_get_info(c, S(ticket), &info, NULL) == SOTER_STATUS_OK);
    CHECK(!soter_face_info_passed(info)); /* errcode 0 but identify_ret 90100 */
    CHECK(soter_face_info_matches_person(info, S(name), S("11010519491231002X")));
    soter_face_info_free(info);
    soter_string_free(ticket);
    info = NULL;
    expect(soter_wechat_face_get_info(c, S("bogus"), &info, &err), &err, SOTER_STATUS_WECHAT_API, 1, 84001);
    CHECK(info == NULL);
    soter_face_info_free(NULL);
    CHECK(!soter_face_info_passed(NULL));

    /* getverifyid + queryverifyinfo. */
    char *vid = NULL;
    int64_t expires = 0;
    CHECK(soter_wechat_face_get_verify_id(c, S("seq-1"), &cert, S("o_face"), &vid, &expires, NULL) == SOTER_STATUS_OK);
    CHECK(vid && strlen(vid) > 10 && expires == 3600);
    SoterVerifyInfo vi;
    CHECK(soter_wechat_face_query_verify_info(c, S(vid), S("seq-1"), &cert, S("o_face"), &vi, NULL) == SOTER_STATUS_OK);
    CHECK(vi.passed && vi.verify_ret == 10000 && vi.outcome == SOTER_VERIFY_OUTCOME_PASSED);
    CHECK(strcmp(soter_verify_outcome_name(vi.outcome), "passed") == 0);
    CHECK(strcmp(soter_verify_outcome_name(1234), "unknown") == 0);
    SoterCertInfo other = {NULL, 0, U8("x"), 1, U8(id), strlen(id)};
    expect(soter_wechat_face_query_verify_info(c, S(vid), S("seq-1"), &other, S("o_face"), &vi, &err), &err,
           SOTER_STATUS_WECHAT_API, 1, 40097);
    soter_string_free(vid);

    SoterCertInfo fail_cert = {U8("IDENTITY_CARD"), 13, U8(name), strlen(name), S("11010519491231002x")};
    CHECK(soter_wechat_face_get_verify_id(c, S("seq-2"), &fail_cert, S("o_fail"), &vid, NULL, NULL) == SOTER_STATUS_OK);
    CHECK(soter_wechat_face_query_verify_info(c, S(vid), S("seq-2"), &fail_cert, S("o_fail"), &vi, NULL) == SOTER_STATUS_OK);
    CHECK(!vi.passed && vi.verify_ret == 90003 && vi.outcome == SOTER_VERIFY_OUTCOME_USER_CANCELLED);
    soter_string_free(vid);

    soter_wechat_client_free(c);
    soter_emulator_free(emu);
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1000.0 + (double)t.tv_nsec / 1e6;
}

/* Expect SOTER_STATUS_TIMEOUT whose message names `limit`. */
static void expect_timeout(SoterStatus st, SoterError *err, const char *limit) {
    CHECK(st == SOTER_STATUS_TIMEOUT);
    CHECK(err != NULL && strstr(soter_error_message(err), limit) != NULL);
    if (err && !strstr(soter_error_message(err), limit)) fprintf(stderr, "  message: %s\n", soter_error_message(err));
    soter_error_free(err);
}

/* timeout_ms is one deadline for the whole call; attempt_timeout_ms bounds each attempt, and a
 * timed-out attempt is retried while the deadline allows. */
static void test_deadline(void) {
    SoterEmulator *emu = NULL;
    SoterEmulatorOptions eo = {NULL, 0, 0, false, false};
    CHECK(soter_emulator_start(S(APPID), S(SECRET), &eo, &emu, NULL) == SOTER_STATUS_OK);
    if (!emu) return;
    SoterDevice *dev = NULL;
    CHECK(soter_device_new(2048, &dev, NULL) == SOTER_STATUS_OK);
    char *pem = NULL;
    size_t pem_len = 0;
    CHECK(soter_device_public_key_pem(dev, &pem, &pem_len, NULL) == SOTER_STATUS_OK);
    CHECK(soter_emulator_register_device(emu, S(OPENID), U8(pem), pem_len, NULL) == SOTER_STATUS_OK);
    soter_string_free(pem);
    Signed s = sign(dev, 20);
    const char *path = "/cgi-bin/soter/verify_signature";
    CHECK(soter_emulator_inject_fault(emu, SOTER_FAULT_DELAY, -1, 2000, S(path), NULL) == SOTER_STATUS_OK);

    SoterClientOptions o;
    soter_client_options_init(&o);
    CHECK(o.timeout_ms == 0 && o.attempt_timeout_ms == 0 && o.connect_timeout_ms == 0);
    const char *url = soter_emulator_base_url(emu);
    o.base_url = U8(url);
    o.base_url_len = strlen(url);
    o.timeout_ms = 700;
    o.attempt_timeout_ms = 200;
    o.max_attempts = 10;
    o.backoff_base_ms = 5;
    o.backoff_max_ms = 20;
    SoterWechatClient *c = NULL;
    CHECK(soter_wechat_client_new(S(APPID), S(SECRET), &o, &c, NULL) == SOTER_STATUS_OK);
    bool ok = false;
    SoterError *err = NULL;
    double t0 = now_ms();
    SoterStatus st = verify(c, OPENID, s, &ok, &err);
    double took = now_ms() - t0;
    expect_timeout(st, err, "the overall deadline (700 ms) expired");
    uint64_t attempts = soter_emulator_requests_to(emu, S(path));
    printf("MEASURED C: 200 ms attempts, 700 ms deadline: %.0f ms, %llu attempts\n", took, (unsigned long long)attempts);
    CHECK(took >= 690 && took < 1000);
    CHECK(attempts >= 3);
    soter_wechat_client_free(c);

    /* A deadline shorter than the connect timeout wins. */
    o.timeout_ms = 300;
    o.attempt_timeout_ms = 5000;
    o.connect_timeout_ms = 5000;
    CHECK(soter_wechat_client_new(S(APPID), S(SECRET), &o, &c, NULL) == SOTER_STATUS_OK);
    err = NULL;
    t0 = now_ms();
    st = verify(c, OPENID, s, &ok, &err);
    took = now_ms() - t0;
    expect_timeout(st, err, "the overall deadline (300 ms) expired");
    CHECK(took >= 290 && took < 600);
    soter_wechat_client_free(c);

    /* Attempts that run out before the deadline name the per-attempt limit. */
    o.timeout_ms = 3000;
    o.attempt_timeout_ms = 150;
    o.max_attempts = 2;
    CHECK(soter_wechat_client_new(S(APPID), S(SECRET), &o, &c, NULL) == SOTER_STATUS_OK);
    err = NULL;
    st = verify(c, OPENID, s, &ok, &err);
    expect_timeout(st, err, "the per-attempt timeout (150 ms) expired");
    soter_wechat_client_free(c);

    /* Backoff never sleeps past the deadline: 1 to 2 s of backoff, a 500 ms deadline. */
    soter_emulator_clear_faults(emu);
    CHECK(soter_emulator_inject_fault(emu, SOTER_FAULT_HTTP500, -1, 0, S(path), NULL) == SOTER_STATUS_OK);
    o.timeout_ms = 500;
    o.attempt_timeout_ms = 0;
    o.max_attempts = 5;
    o.backoff_base_ms = 2000;
    o.backoff_max_ms = 2000;
    CHECK(soter_wechat_client_new(S(APPID), S(SECRET), &o, &c, NULL) == SOTER_STATUS_OK);
    err = NULL;
    t0 = now_ms();
    st = verify(c, OPENID, s, &ok, &err);
    took = now_ms() - t0;
    CHECK(st == SOTER_STATUS_NETWORK && took < 250);
    CHECK(err != NULL && strstr(soter_error_message(err), "leaves no time for another") != NULL);
    soter_error_free(err);
    soter_wechat_client_free(c);

    /* Timeouts are milliseconds, at most one hour: a larger value is a likely unit mistake. */
    o.timeout_ms = 3600001;
    err = NULL;
    c = NULL;
    CHECK(soter_wechat_client_new(S(APPID), S(SECRET), &o, &c, &err) == SOTER_STATUS_CONFIG && c == NULL);
    CHECK(err != NULL && strstr(soter_error_message(err), "above an hour") != NULL);
    soter_error_free(err);
    o.timeout_ms = 3600000;
    o.attempt_timeout_ms = 3600000;
    o.connect_timeout_ms = 3600000;
    CHECK(soter_wechat_client_new(S(APPID), S(SECRET), &o, &c, NULL) == SOTER_STATUS_OK);
    soter_wechat_client_free(c);

    free_signed(s);
    soter_device_free(dev);
    soter_emulator_free(emu);
}

/* token_retry_max_ms: the ceiling of the token-failure hold; a held call says so, with the failed
 * fetch's status and errcode. */
static void test_token_retry_max(void) {
    SoterEmulator *emu = NULL;
    SoterError *err = NULL;
    CHECK(soter_emulator_start(S(APPID), S(SECRET), NULL, &emu, &err) == SOTER_STATUS_OK && emu != NULL);
    if (!emu) return;
    SoterDevice *dev = NULL;
    CHECK(soter_device_new(2048, &dev, NULL) == SOTER_STATUS_OK);
    CHECK(soter_emulator_inject_fault(emu, SOTER_FAULT_SYSTEM_BUSY, -1, 0, S("/cgi-bin/stable_token"), NULL) == SOTER_STATUS_OK);
    SoterClientOptions o;
    soter_client_options_init(&o);
    CHECK(o.token_retry_max_ms == 0);
    const char *url = soter_emulator_base_url(emu);
    o.base_url = U8(url);
    o.base_url_len = strlen(url);
    o.max_attempts = 1;
    /* Above an hour: refused like the timeouts. */
    SoterWechatClient *c = NULL;
    o.token_retry_max_ms = 3600001;
    expect(soter_wechat_client_new(S(APPID), S(SECRET), &o, &c, &err), &err, SOTER_STATUS_CONFIG, 0, 0);
    CHECK(c == NULL);
    o.token_retry_max_ms = 300;
    /* max_idle_connections, the field after it: 0 means 64; above 4096 is refused. */
    CHECK(o.max_idle_connections == 0);
    o.max_idle_connections = 4097;
    expect(soter_wechat_client_new(S(APPID), S(SECRET), &o, &c, &err), &err, SOTER_STATUS_CONFIG, 0, 0);
    CHECK(c == NULL);
    o.max_idle_connections = 8;
    CHECK(soter_wechat_client_new(S(APPID), S(SECRET), &o, &c, NULL) == SOTER_STATUS_OK && c != NULL);
    if (c && dev) {
        char *pem = NULL;
        CHECK(soter_device_public_key_pem(dev, &pem, NULL, NULL) == SOTER_STATUS_OK);
        CHECK(soter_emulator_register_device(emu, S(OPENID), S(pem), NULL) == SOTER_STATUS_OK);
        soter_string_free(pem);
        Signed s = sign(dev, 20);
        bool ok = false;
        expect(soter_wechat_soter_verify_signature(c, S(OPENID), S(s.json), S(s.sig), &ok, &err), &err, SOTER_STATUS_TOKEN, 1, -1);
        /* Held: no fetch, and the message says so (at most the 300 ms ceiling, in ms). */
        CHECK(soter_wechat_soter_verify_signature(c, S(OPENID), S(s.json), S(s.sig), &ok, &err) == SOTER_STATUS_TOKEN);
        const char *m = err ? soter_error_message(err) : "";
        unsigned ms = 1000;
        CHECK(sscanf(m, "no access token: holding for %u ms after the fetch at ", &ms) == 1 && ms <= 300);
        CHECK(strstr(m, " UTC failed: ") != NULL);
        int64_t code = 0;
        CHECK(err && soter_error_errcode(err, &code) && code == -1);
        soter_error_free(err);
        err = NULL;
        SoterEmulatorCounters n;
        CHECK(soter_emulator_counters(emu, &n, NULL) == SOTER_STATUS_OK && n.token_requests == 1);
        /* After the ceiling, the next call fetches again (and succeeds once the service is back). */
        soter_emulator_clear_faults(emu);
        struct timespec pause = {0, 350 * 1000 * 1000};
        nanosleep(&pause, NULL);
        CHECK(soter_wechat_soter_verify_signature(c, S(OPENID), S(s.json), S(s.sig), &ok, NULL) == SOTER_STATUS_OK && ok);
        CHECK(soter_emulator_counters(emu, &n, NULL) == SOTER_STATUS_OK && n.token_requests == 2);
        free_signed(s);
    }
    soter_wechat_client_free(c);
    soter_device_free(dev);
    soter_emulator_free(emu);
}

int main(void) {
    test_token_retry_max();
    test_simulator();
    test_client_against_emulator();
    test_deadline();
    test_open_api_mode();
    test_face();
    printf("C WeChat ABI: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
