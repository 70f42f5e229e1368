/*
 * Log events from C (built as C11 and as C++17 with -Wall -Wextra -Werror, run under ASan and
 * valgrind by `make hardening`): the callback and its level checks, an access token refreshed
 * after errcode 40001 and a retry after errcode -1 (the emulator's faults), a Redis outage and
 * recovery (a real redis-server with a password, stopped and restarted), refused verifications
 * at debug level from several threads. Every capture is checked for the secrets used, and the
 * 40001 and Redis captures are printed. Prints "N passed, M failed"; non-zero exit on failure.
 */
#define _DEFAULT_SOURCE /* usleep, kill under -std=c11 */
#include "soter_verify.h"
#include "check.h"
#include "redis_server.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S(s) U8(s), strlen(s)

static const char *APPID = "wx0123456789abcdef";
static const char *SECRET = "c-log-app-secret-5e2f";
static const char *OPENID = "o_c_log";
static const char *REDIS_PASSWORD = "c-log-redis-hunter2";
static const char *NAME = "\xe5\xbc\xa0\xe4\xb8\x89\xe4\xb8\xb0"; /* 张三丰 */
static const char *ID_NUMBER = "11010519491231002X";

/* ---- the capture: every line the callback got, "LEVEL soter_verify: message\n" ------------- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char captured[64 * 1024];
static size_t captured_len;
static int bad_calls; /* a level out of range, a length that is not strlen, wrong user data */
static int user_data_tag;

static void capture(void *user_data, int32_t level, const char *message, size_t message_len) {
    pthread_mutex_lock(&lock);
    if (user_data != &user_data_tag || level < SOTER_LOG_ERROR || level > SOTER_LOG_TRACE || strlen(message) != message_len)
        bad_calls++;
    int n = snprintf(captured + captured_len, sizeof captured - captured_len, "%-5s soter_verify: %s\n",
                     soter_log_level_name(level), message);
    if (n > 0 && (size_t)n < sizeof captured - captured_len) captured_len += (size_t)n;
    pthread_mutex_unlock(&lock);
}

static void start_capture(int32_t max_level) {
    pthread_mutex_lock(&lock);
    captured_len = 0;
    captured[0] = '\0';
    pthread_mutex_unlock(&lock);
    CHECK(soter_set_log_callback(capture, &user_data_tag, max_level, NULL) == SOTER_STATUS_OK);
}

static void stop_capture(void) {
    CHECK(soter_set_log_callback(NULL, NULL, SOTER_LOG_OFF, NULL) == SOTER_STATUS_OK);
}

/* Lines of `level` containing every needle (NULL-terminated list). */
static int count(const char *level, const char *n1, const char *n2) {
    int found = 0;
    pthread_mutex_lock(&lock);
    for (char *line = captured; line < captured + captured_len;) {
        char *end = strchr(line, '\n');
        *end = '\0';
        if (strncmp(line, level, strlen(level)) == 0 && line[strlen(level)] == ' ' && strstr(line, n1) &&
            (!n2 || strstr(line, n2)))
            found++;
        *end = '\n';
        line = end + 1;
    }
    pthread_mutex_unlock(&lock);
    return found;
}

/* No secret, and nothing shaped like an access token (a run of 40 base64url characters). */
static void check_no_secrets(const char *const *secrets) {
    pthread_mutex_lock(&lock);
    for (; *secrets; secrets++) {
        CHECK(strstr(captured, *secrets) == NULL);
        if (strstr(captured, *secrets)) fprintf(stderr, "  a secret leaked into the log\n");
    }
    size_t run = 0, longest = 0;
    for (size_t i = 0; i < captured_len; i++) {
        char c = captured[i];
        int b64 = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        run = b64 ? run + 1 : 0;
        if (run > longest) longest = run;
    }
    CHECK(longest < 40);
    pthread_mutex_unlock(&lock);
}

static void show(const char *title) {
    pthread_mutex_lock(&lock);
    printf("---- captured log: %s\n%s", title, captured);
    pthread_mutex_unlock(&lock);
}

/* ---- the callback's contract ---------------------------------------------------------------- */

static SoterStatus nested_status = SOTER_STATUS_OK;
static int nested_calls;

static void replacing_callback(void *user_data, int32_t level, const char *message, size_t message_len) {
    (void)user_data; (void)level; (void)message; (void)message_len;
    nested_calls++;
    nested_status = soter_set_log_callback(NULL, NULL, SOTER_LOG_OFF, NULL);
    CHECK(soter_set_log_level(SOTER_LOG_DEBUG, NULL) == SOTER_STATUS_OK); /* never waits */
}

static void test_contract(const SoterKey *key) {
    SoterError *err = NULL;
    CHECK(soter_log_level() == SOTER_LOG_OFF);
    CHECK(soter_set_log_callback(capture, &user_data_tag, 6, &err) == SOTER_STATUS_INVALID_ARGUMENT);
    CHECK(err && strstr(soter_error_message(err), "max_level 6") != NULL);
    soter_error_free(err);
    err = NULL;
    CHECK(soter_set_log_callback(capture, &user_data_tag, -1, NULL) == SOTER_STATUS_INVALID_ARGUMENT);
    CHECK(soter_set_log_level(9, &err) == SOTER_STATUS_INVALID_ARGUMENT);
    soter_error_free(err);
    CHECK(soter_log_level() == SOTER_LOG_OFF);
    CHECK(strcmp(soter_log_level_name(SOTER_LOG_WARN), "WARN") == 0);
    CHECK(strcmp(soter_log_level_name(SOTER_LOG_OFF), "OFF") == 0);
    CHECK(strcmp(soter_log_level_name(42), "UNKNOWN") == 0);

    /* A level without a callback: nothing logged. */
    CHECK(soter_set_log_level(SOTER_LOG_TRACE, NULL) == SOTER_STATUS_OK);
    CHECK(soter_log_level() == SOTER_LOG_OFF);

    /* Refused verifications are debug events: filtered at INFO, delivered at DEBUG. */
    SoterExpectations e;
    memset(&e, 0, sizeof e);
    e.challenge = U8("not-the-challenge");
    e.challenge_len = strlen("not-the-challenge");
    e.salt_len = SOTER_SALT_LEN_DEFAULT;
    const char *json = "{\"raw\":\"x\",\"counter\":1}";
    start_capture(SOTER_LOG_INFO);
    CHECK(soter_log_level() == SOTER_LOG_INFO);
    CHECK(soter_authenticate(key, S(json), S("AAAA"), &e, NULL, NULL) == SOTER_STATUS_MALFORMED_SIGNATURE);
    CHECK(captured_len == 0);
    CHECK(soter_set_log_level(SOTER_LOG_DEBUG, NULL) == SOTER_STATUS_OK);
    CHECK(soter_authenticate(key, S(json), S("AAAA"), &e, NULL, NULL) == SOTER_STATUS_MALFORMED_SIGNATURE);
    CHECK(count("DEBUG", "authenticate: refused (MalformedSignature)", NULL) == 1);
    stop_capture();
    CHECK(soter_log_level() == SOTER_LOG_OFF);
    CHECK(soter_authenticate(key, S(json), S("AAAA"), &e, NULL, NULL) == SOTER_STATUS_MALFORMED_SIGNATURE);
    CHECK(count("DEBUG", "refused", NULL) == 1); /* the removed callback was not called again */

    /* From inside the callback: replacing it is refused, changing the level is not. */
    CHECK(soter_set_log_callback(replacing_callback, NULL, SOTER_LOG_DEBUG, NULL) == SOTER_STATUS_OK);
    CHECK(soter_authenticate(key, S(json), S("AAAA"), &e, NULL, NULL) == SOTER_STATUS_MALFORMED_SIGNATURE);
    CHECK(nested_calls == 1 && nested_status == SOTER_STATUS_INVALID_ARGUMENT);
    CHECK(soter_log_level() == SOTER_LOG_DEBUG);
    stop_capture();
}

/* ---- several threads log at once ------------------------------------------------------------ */

typedef struct {
    const SoterKey *key;
    int refused;
} ThreadArg;

static void *refuse_many(void *p) {
    ThreadArg *a = (ThreadArg *)p;
    SoterExpectations e;
    memset(&e, 0, sizeof e);
    e.challenge = U8("c");
    e.challenge_len = 1;
    e.salt_len = SOTER_SALT_LEN_DEFAULT;
    for (int i = 0; i < 50; i++)
        if (soter_authenticate(a->key, S("{}"), S("AAAA"), &e, NULL, NULL) == SOTER_STATUS_MALFORMED_SIGNATURE) a->refused++;
    return NULL;
}

static void test_threads(const SoterKey *key) {
    start_capture(SOTER_LOG_DEBUG);
    pthread_t t[4];
    ThreadArg args[4];
    for (int i = 0; i < 4; i++) {
        args[i].key = key;
        args[i].refused = 0;
        CHECK(pthread_create(&t[i], NULL, refuse_many, &args[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK(args[i].refused == 50);
    }
    CHECK(count("DEBUG", "authenticate: refused (MalformedSignature)", NULL) == 200);
    stop_capture();
}

/* ---- WeChat: a 40001 refresh, a -1 retry, face calls ---------------------------------------- */

static const SoterEmulator *token_emulator;
static int token_calls;

static int32_t numbered_token(void *user_data, bool force_refresh, uint8_t *buf, size_t cap, size_t *len, int64_t *expires_in) {
    (void)user_data; (void)force_refresh;
    char token[64];
    snprintf(token, sizeof token, "C-LOG-TOKEN-VALUE-%d", token_calls++);
    size_t n = strlen(token);
    if (n > cap || soter_emulator_add_token(token_emulator, U8(token), n, 600, NULL) != SOTER_STATUS_OK) return 1;
    memcpy(buf, token, n);
    *len = n;
    *expires_in = 600;
    return 0;
}

static SoterWechatClient *client(const SoterEmulator *emu, SoterTokenSource source) {
    SoterClientOptions o;
    soter_client_options_init(&o);
    const char *url = soter_emulator_base_url(emu);
    o.base_url = U8(url);
    o.base_url_len = strlen(url);
    o.backoff_base_ms = 5;
    o.backoff_max_ms = 20;
    o.token_source = source;
    o.token_callback = numbered_token;
    SoterWechatClient *c = NULL;
    CHECK(soter_wechat_client_new(S(APPID), S(SECRET), &o, &c, NULL) == SOTER_STATUS_OK);
    return c;
}

static int verify(const SoterWechatClient *c, const SoterDevice *dev) {
    char challenge[SOTER_CHALLENGE_LEN + 1];
    CHECK(soter_new_challenge(challenge, sizeof challenge, NULL, NULL) == SOTER_STATUS_OK);
    char *json = NULL, *sig = NULL;
    CHECK(soter_device_sign_result(dev, S(challenge), 20, &json, NULL, &sig, NULL, NULL) == SOTER_STATUS_OK);
    bool ok = false;
    SoterStatus st = soter_wechat_soter_verify_signature(c, S(OPENID), S(json), S(sig), &ok, NULL);
    soter_string_free(json);
    soter_string_free(sig);
    return st == SOTER_STATUS_OK && ok;
}

static void test_wechat(void) {
    SoterEmulator *emu = NULL;
    CHECK(soter_emulator_start(S(APPID), S(SECRET), NULL, &emu, NULL) == SOTER_STATUS_OK);
    if (!emu) return;
    token_emulator = emu;
    SoterDevice *dev = NULL;
    CHECK(soter_device_new(2048, &dev, NULL) == SOTER_STATUS_OK);
    char *pem = NULL;
    CHECK(soter_device_public_key_pem(dev, &pem, NULL, NULL) == SOTER_STATUS_OK);
    CHECK(soter_emulator_register_device(emu, S(OPENID), S(pem), NULL) == SOTER_STATUS_OK);
    soter_string_free(pem);
    const char *secrets[] = {SECRET, "C-LOG-TOKEN-VALUE", NAME, ID_NUMBER, REDIS_PASSWORD, NULL};

    /* stable_token: one 40001, refreshed and retried once. */
    SoterWechatClient *c = client(emu, SOTER_TOKEN_SOURCE_STABLE);
    start_capture(SOTER_LOG_INFO);
    CHECK(verify(c, dev));
    CHECK(soter_emulator_inject_fault(emu, SOTER_FAULT_INVALID_TOKEN, 1, 0, S("/cgi-bin/soter/verify_signature"), NULL) == SOTER_STATUS_OK);
    CHECK(verify(c, dev));
    CHECK(count("INFO", "access token fetched from stable_token (first use)", "valid for 7200 s") == 1);
    CHECK(count("WARN", "errcode 40001", "retried once with a fresh one") == 1);
    CHECK(count("INFO", "access token refreshed from stable_token (forced after errcode 40001)", NULL) == 1);
    check_no_secrets(secrets);
    show("one 40001 refresh (C)");
    stop_capture();

    /* errcode -1: retried with backoff, each retry with its cause and attempt number. */
    start_capture(SOTER_LOG_WARN);
    CHECK(soter_emulator_inject_fault(emu, SOTER_FAULT_SYSTEM_BUSY, 2, 0, NULL, 0, NULL) == SOTER_STATUS_OK);
    CHECK(verify(c, dev));
    CHECK(count("WARN", "errcode -1", "retrying (attempt 2 of 3)") == 1);
    CHECK(count("WARN", "errcode -1", "retrying (attempt 3 of 3)") == 1);
    check_no_secrets(secrets);
    show("errcode -1 retried (C)");
    stop_capture();
    soter_wechat_client_free(c);

    /* A token callback: the token values it handed out never show. */
    c = client(emu, SOTER_TOKEN_SOURCE_CALLBACK);
    start_capture(SOTER_LOG_TRACE);
    CHECK(verify(c, dev));
    CHECK(soter_emulator_inject_fault(emu, SOTER_FAULT_EXPIRED_TOKEN, 1, 0, S("/cgi-bin/soter/verify_signature"), NULL) == SOTER_STATUS_OK);
    CHECK(verify(c, dev));
    CHECK(token_calls == 2);
    CHECK(count("INFO", "access token refreshed from the token callback (forced after errcode 42001)", "valid for 600 s") == 1);
    CHECK(count("TRACE", "POST /cgi-bin/soter/verify_signature: HTTP 200", NULL) == 3);

    /* Face calls: names and ID numbers stay out of every line, trace included. */
    CHECK(soter_emulator_register_person(emu, S("o_face"), S(NAME), S(ID_NUMBER), 0, 10000, NULL) == SOTER_STATUS_OK);
    SoterCertInfo cert = {NULL, 0, U8(NAME), strlen(NAME), U8(ID_NUMBER), strlen(ID_NUMBER)};
    SoterCertInfo wrong = {NULL, 0, U8("x"), 1, U8(ID_NUMBER), strlen(ID_NUMBER)};
    char *vid = NULL;
    CHECK(soter_wechat_face_get_verify_id(c, S("seq-c-log"), &wrong, S("o_face"), &vid, NULL, NULL) == SOTER_STATUS_OK);
    SoterVerifyInfo vi;
    CHECK(soter_wechat_face_query_verify_info(c, S(vid), S("seq-c-log"), &wrong, S("o_face"), &vi, NULL) == SOTER_STATUS_OK);
    CHECK(!vi.passed);
    soter_string_free(vid);
    CHECK(soter_wechat_face_get_verify_id(c, S("seq-c-log2"), &cert, S("o_face"), &vid, NULL, NULL) == SOTER_STATUS_OK);
    CHECK(soter_wechat_face_query_verify_info(c, S(vid), S("seq-c-log2"), &cert, S("o_face"), &vi, NULL) == SOTER_STATUS_OK);
    CHECK(vi.passed);
    soter_string_free(vid);
    CHECK(count("DEBUG", "face queryverifyinfo: not passed (verify_ret 90011", NULL) == 1);
    CHECK(count("TRACE", "POST /cityservice/face/identify/", NULL) == 4);
    check_no_secrets(secrets);
    stop_capture();

    soter_wechat_client_free(c);
    soter_device_free(dev);
    soter_emulator_free(emu);
}

/* ---- Redis: gone and back, one event each --------------------------------------------------- */

static void test_redis(void) {
    int port = free_port();
    pid_t server = start_redis_with(port, REDIS_PASSWORD);
    CHECK(port_open(port));
    char url[192];
    snprintf(url, sizeof url, "redis://:%s@127.0.0.1:%d/0", REDIS_PASSWORD, port);
    SoterGuardOptions o;
    soter_guard_options_init(&o);
    o.timeout_ms = 300;
    SoterReplayGuard *g = NULL;
    CHECK(soter_replay_guard_new_redis(S(url), &o, &g, NULL) == SOTER_STATUS_OK);
    char c[SOTER_CHALLENGE_LEN + 1];

    start_capture(SOTER_LOG_TRACE);
    CHECK(soter_replay_guard_issue_challenge(g, S("c-log-user"), 60000, c, sizeof c, NULL, NULL) == SOTER_STATUS_OK);
    stop_redis(server, port);
    for (int i = 0; i < 3; i++)
        CHECK(soter_replay_guard_issue_challenge(g, S("c-log-user"), 60000, c, sizeof c, NULL, NULL) == SOTER_STATUS_STORE_UNAVAILABLE);
    server = start_redis_with(port, REDIS_PASSWORD);
    CHECK(soter_replay_guard_issue_challenge(g, S("c-log-user"), 60000, c, sizeof c, NULL, NULL) == SOTER_STATUS_OK);
    CHECK(soter_replay_guard_issue_challenge(g, S("c-log-user"), 60000, c, sizeof c, NULL, NULL) == SOTER_STATUS_OK);

    char shown[64];
    snprintf(shown, sizeof shown, "redis://***@127.0.0.1:%d/0", port);
    CHECK(count("ERROR", shown, "calls fail closed (StoreUnavailable) until it answers again") == 1);
    CHECK(count("ERROR", "", NULL) == 1); /* once per outage, not once per call */
    CHECK(count("INFO", shown, "answers again after") == 1);
    CHECK(count("INFO", "(3 calls failed closed)", NULL) == 1);
    const char *secrets[] = {REDIS_PASSWORD, NULL};
    check_no_secrets(secrets);
    show("one Redis outage (C)");
    stop_capture();
    soter_replay_guard_free(g);
    stop_redis(server, port);
}

int main(void) {
    CHECK(soter_abi_version() == SOTER_ABI_VERSION);
    SoterDevice *dev = NULL;
    CHECK(soter_device_new(2048, &dev, NULL) == SOTER_STATUS_OK);
    char *pem = NULL;
    size_t pem_len = 0;
    CHECK(soter_device_public_key_pem(dev, &pem, &pem_len, NULL) == SOTER_STATUS_OK);
    SoterKey *key = NULL;
    CHECK(soter_key_load(U8(pem), pem_len, &key, NULL) == SOTER_STATUS_OK);
    soter_string_free(pem);

    test_contract(key);
    test_threads(key);
    test_wechat();
    if (have_redis()) {
        test_redis();
    } else if (getenv("SOTER_REQUIRE_REDIS") && strcmp(getenv("SOTER_REQUIRE_REDIS"), "1") == 0) {
        fprintf(stderr, "redis-server is not installed and SOTER_REQUIRE_REDIS=1\n");
        failed++;
    } else {
        printf("*** SKIPPED the Redis part of test_log: redis-server not found on PATH ***\n");
    }
    CHECK(bad_calls == 0);

    soter_key_free(key);
    soter_device_free(dev);
    printf("C log ABI: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
