/*
 * The ReplayGuard from C (built as C11 and as C++17 with -Wall -Wextra -Werror, run under ASan
 * and valgrind by `make hardening`): the in-memory guard, then a real redis-server this program
 * starts on a free loopback port (8 forked processes race one result; Redis stopped and
 * restarted). Without redis-server those parts print SKIPPED (fail under SOTER_REQUIRE_REDIS=1).
 * Prints "N passed, M failed" and exits non-zero on any failure.
 */
#define _DEFAULT_SOURCE /* usleep, kill, clock_gettime under -std=c11 */
#include "soter_verify.h"
#include "check.h"
#include "redis_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S(s) U8(s), strlen(s)

static const char *PASSWORD = "c-redis-hunter2";

typedef struct {
    char *json;
    char *sig;
} Signed;

static Signed sign(const SoterDevice *dev, const char *challenge) {
    Signed s = {NULL, NULL};
    CHECK(soter_device_sign_result(dev, S(challenge), 20, &s.json, NULL, &s.sig, NULL, NULL) == SOTER_STATUS_OK);
    return s;
}

static void free_signed(Signed s) {
    soter_string_free(s.json);
    soter_string_free(s.sig);
}

/* The status of a call, checking that a failure came with an error of the same status
 * (without the password); frees the error and clears the slot. */
static SoterStatus status_of(SoterStatus st, SoterError **slot) {
    SoterError *err = *slot;
    *slot = NULL;
    if (st != SOTER_STATUS_OK) {
        CHECK(err != NULL && soter_error_status(err) == st);
        CHECK(err == NULL || strstr(soter_error_message(err), PASSWORD) == NULL);
    }
    soter_error_free(err);
    return st;
}

static SoterGuardSubject who(const char *subject, const char *cpu_id, const char *uid) {
    SoterGuardSubject w;
    memset(&w, 0, sizeof w);
    w.subject = U8(subject);
    w.subject_len = strlen(subject);
    if (cpu_id) {
        w.cpu_id = U8(cpu_id);
        w.cpu_id_len = strlen(cpu_id);
    }
    if (uid) {
        w.uid = U8(uid);
        w.uid_len = strlen(uid);
    }
    return w;
}

static SoterStatus issue(const SoterReplayGuard *g, const char *subject, uint64_t ttl_ms, char *buf) {
    SoterError *err = NULL;
    return status_of(soter_replay_guard_issue_challenge(g, S(subject), ttl_ms, buf, SOTER_CHALLENGE_LEN + 1, NULL, &err), &err);
}

static SoterStatus authenticate(const SoterReplayGuard *g, const SoterKey *key, Signed s, const SoterGuardSubject *w, uint64_t *counter) {
    SoterError *err = NULL;
    SoterResultJson *r = NULL;
    SoterStatus st = soter_replay_guard_authenticate(g, key, S(s.json), S(s.sig), w, &r, &err);
    if (st == SOTER_STATUS_OK && counter) *counter = soter_result_json_counter(r);
    soter_result_json_free(r);
    return status_of(st, &err);
}

static SoterStatus accept_json(const SoterReplayGuard *g, const char *challenge, uint64_t counter, const char *subject) {
    char json[256];
    snprintf(json, sizeof json, "{\"raw\":\"%s\",\"counter\":%llu,\"cpu_id\":\"c\",\"uid\":\"u\"}", challenge, (unsigned long long)counter);
    SoterGuardSubject w = who(subject, NULL, NULL);
    SoterError *err = NULL;
    return status_of(soter_replay_guard_accept(g, S(json), &w, NULL, &err), &err);
}

/* What every store must do: the same verdicts on memory and on Redis. */
static void common_checks(const SoterReplayGuard *g, const SoterDevice *dev, const SoterKey *key, const char *label) {
    const char *cpu = soter_device_cpu_id(dev), *uid = soter_device_uid(dev);
    char c[SOTER_CHALLENGE_LEN + 1];
    char subject[64];
    snprintf(subject, sizeof subject, "c-user-%s", label);
    SoterGuardSubject w = who(subject, cpu, uid);

    CHECK(issue(g, subject, 60000, c) == SOTER_STATUS_OK && strlen(c) == SOTER_CHALLENGE_LEN);
    Signed s = sign(dev, c);
    Signed bad = sign(dev, c);
    bad.json[8] ^= 1;
    CHECK(authenticate(g, key, bad, &w, NULL) == SOTER_STATUS_SIGNATURE_INVALID);
    uint64_t counter = 0;
    CHECK(authenticate(g, key, s, &w, &counter) == SOTER_STATUS_OK);
    bool found = false;
    uint64_t last = 0;
    SoterError *err = NULL;
    CHECK(soter_replay_guard_last_counter(g, S(subject), S(cpu), S(uid), &found, &last, &err) == SOTER_STATUS_OK);
    CHECK(found && last == counter);
    CHECK(authenticate(g, key, s, &w, NULL) == SOTER_STATUS_CHALLENGE_MISMATCH); /* used */
    free_signed(s);
    free_signed(bad);

    /* Another subject's challenge. */
    CHECK(issue(g, "c-alice", 60000, c) == SOTER_STATUS_OK);
    s = sign(dev, c);
    CHECK(authenticate(g, key, s, &w, NULL) == SOTER_STATUS_CHALLENGE_MISMATCH);
    free_signed(s);

    /* Device mismatch consumes the challenge. */
    CHECK(issue(g, subject, 60000, c) == SOTER_STATUS_OK);
    s = sign(dev, c);
    SoterGuardSubject other = who(subject, "another-cpu", NULL);
    CHECK(authenticate(g, key, s, &other, NULL) == SOTER_STATUS_DEVICE_MISMATCH);
    CHECK(authenticate(g, key, s, &w, NULL) == SOTER_STATUS_CHALLENGE_MISMATCH);
    free_signed(s);

    /* Counters: equal and lower refused; accept() for results verified elsewhere. */
    CHECK(issue(g, subject, 60000, c) == SOTER_STATUS_OK && accept_json(g, c, 1000, subject) == SOTER_STATUS_OK);
    CHECK(issue(g, subject, 60000, c) == SOTER_STATUS_OK && accept_json(g, c, 1000, subject) == SOTER_STATUS_COUNTER_REPLAY);
    CHECK(issue(g, subject, 60000, c) == SOTER_STATUS_OK && accept_json(g, c, 999, subject) == SOTER_STATUS_COUNTER_REPLAY);
    CHECK(issue(g, subject, 60000, c) == SOTER_STATUS_OK && accept_json(g, c, 1001, subject) == SOTER_STATUS_OK);

    /* Expiry. */
    CHECK(issue(g, subject, 50, c) == SOTER_STATUS_OK);
    usleep(150 * 1000);
    CHECK(accept_json(g, c, 2000, subject) == SOTER_STATUS_CHALLENGE_MISMATCH);

    /* Bad arguments. */
    CHECK(issue(g, "", 1000, c) == SOTER_STATUS_INVALID_INPUT);
    CHECK(issue(g, subject, 0, c) == SOTER_STATUS_INVALID_ARGUMENT);
    CHECK(status_of(soter_replay_guard_issue_challenge(g, S(subject), 1000, c, 10, NULL, &err), &err) == SOTER_STATUS_INVALID_ARGUMENT);
    CHECK(status_of(soter_replay_guard_issue_challenge(NULL, S(subject), 1000, c, sizeof c, NULL, &err), &err) == SOTER_STATUS_INVALID_ARGUMENT);
    CHECK(status_of(soter_replay_guard_authenticate(g, key, S("{}"), S("AAAA"), NULL, NULL, &err), &err) == SOTER_STATUS_INVALID_ARGUMENT);
    CHECK(status_of(soter_replay_guard_last_counter(g, S(subject), S(cpu), S(uid), NULL, &last, &err), &err) == SOTER_STATUS_INVALID_ARGUMENT);
}

/* Face results under the guard: a legacy ticket used once and bound to its user, a verify_id
 * session issued per subject and used up by the first call WeChat answered. */
static void face_checks(const SoterReplayGuard *g, const char *label) {
    printf("-- face checks on %s\n", label);
    fflush(stdout); /* start_redis forks: an unflushed buffer would print in each child too */
    SoterEmulator *emu = NULL;
    CHECK(soter_emulator_start(S("wxface"), S("face-secret"), NULL, &emu, NULL) == SOTER_STATUS_OK);
    const char *name = "\xe5\xbc\xa0\xe4\xb8\x89", *id = "310101199801011234";
    CHECK(soter_emulator_register_person(emu, S("o_a"), S(name), S(id), 0, 10000, NULL) == SOTER_STATUS_OK);
    CHECK(soter_emulator_register_person(emu, S("o_b"), S("b"), S(id), 0, 10000, NULL) == SOTER_STATUS_OK);
    CHECK(soter_emulator_register_person(emu, S("o_cancel"), S(name), S(id), 0, 90003, NULL) == SOTER_STATUS_OK);
    SoterClientOptions co;
    soter_client_options_init(&co);
    const char *base = soter_emulator_base_url(emu);
    co.base_url = U8(base);
    co.base_url_len = strlen(base);
    SoterWechatClient *client = NULL;
    CHECK(soter_wechat_client_new(S("wxface"), S("face-secret"), &co, &client, NULL) == SOTER_STATUS_OK);
    SoterError *err = NULL;

    /* Legacy getinfo: once, then refused by the guard before WeChat is asked. */
    soter_emulator_set_reusable_tickets(emu, true);
    char *ticket = NULL;
    CHECK(soter_emulator_issue_verify_result(emu, S("o_a"), &ticket, NULL) == SOTER_STATUS_OK);
    SoterFaceInfo *info = NULL;
    CHECK(status_of(soter_replay_guard_face_get_info(g, client, S(ticket), S("o_a"), 0, &info, &err), &err) == SOTER_STATUS_OK);
    CHECK(info != NULL && soter_face_info_passed(info) && soter_face_info_matches_person(info, S(name), S(id)));
    soter_face_info_free(info);
    info = NULL;
    CHECK(status_of(soter_replay_guard_face_get_info(g, client, S(ticket), S("o_a"), 0, &info, &err), &err) == SOTER_STATUS_CHALLENGE_MISMATCH);
    CHECK(info == NULL);
    soter_string_free(ticket);
    /* Another user's ticket; max_age above a day. */
    CHECK(soter_emulator_issue_verify_result(emu, S("o_b"), &ticket, NULL) == SOTER_STATUS_OK);
    CHECK(status_of(soter_replay_guard_face_get_info(g, client, S(ticket), S("o_a"), 600, &info, &err), &err) == SOTER_STATUS_CHALLENGE_MISMATCH);
    CHECK(status_of(soter_replay_guard_face_get_info(g, client, S(ticket), S("o_b"), 86401, &info, &err), &err) == SOTER_STATUS_INVALID_ARGUMENT);
    CHECK(status_of(soter_replay_guard_face_get_info(g, client, S(ticket), S("o_a"), 600, NULL, &err), &err) == SOTER_STATUS_INVALID_ARGUMENT);
    soter_string_free(ticket);

    /* getverifyid / queryverifyinfo. */
    SoterCertInfo cert = {NULL, 0, U8(name), strlen(name), U8(id), strlen(id)};
    SoterCertInfo other = {NULL, 0, U8("b"), 1, U8(id), strlen(id)};
    char *vid = NULL;
    int64_t expires = 0;
    CHECK(status_of(soter_replay_guard_face_start(g, client, S("o_a"), &cert, NULL, 0, 0, &vid, &expires, &err), &err) == SOTER_STATUS_OK);
    CHECK(vid != NULL && expires == 3600);
    SoterVerifyInfo vi;
    memset(&vi, 0, sizeof vi);
    CHECK(status_of(soter_replay_guard_face_finish(g, client, S(vid), S("o_b"), &cert, &vi, &err), &err) == SOTER_STATUS_CHALLENGE_MISMATCH);
    CHECK(status_of(soter_replay_guard_face_finish(g, client, S(vid), S("o_a"), &other, &vi, &err), &err) == SOTER_STATUS_CHALLENGE_MISMATCH);
    /* No answer: still usable. */
    CHECK(soter_emulator_inject_fault(emu, SOTER_FAULT_DROP_CONNECTION, -1, 0, S("/cityservice/face/identify/queryverifyinfo"), NULL) == SOTER_STATUS_OK);
    CHECK(status_of(soter_replay_guard_face_finish(g, client, S(vid), S("o_a"), &cert, &vi, &err), &err) == SOTER_STATUS_NETWORK);
    soter_emulator_clear_faults(emu);
    CHECK(status_of(soter_replay_guard_face_finish(g, client, S(vid), S("o_a"), &cert, &vi, &err), &err) == SOTER_STATUS_OK);
    CHECK(vi.passed && vi.verify_ret == 10000 && vi.outcome == SOTER_VERIFY_OUTCOME_PASSED);
    CHECK(status_of(soter_replay_guard_face_finish(g, client, S(vid), S("o_a"), &cert, &vi, &err), &err) == SOTER_STATUS_CHALLENGE_MISMATCH);
    soter_string_free(vid);
    /* A given out_seq_no; a cancelled verification is refused with its outcome named. */
    CHECK(status_of(soter_replay_guard_face_start(g, client, S("o_cancel"), &cert, S("c-seq-1"), 60, &vid, NULL, &err), &err) == SOTER_STATUS_OK);
    SoterStatus st = soter_replay_guard_face_finish(g, client, S(vid), S("o_cancel"), &cert, &vi, &err);
    CHECK(st == SOTER_STATUS_SIGNATURE_INVALID && err != NULL && strstr(soter_error_message(err), "user_cancelled") != NULL);
    status_of(st, &err);
    soter_string_free(vid);
    vid = NULL;
    CHECK(status_of(soter_replay_guard_face_start(g, client, S("o_a"), &cert, NULL, 0, 86401, &vid, NULL, &err), &err) == SOTER_STATUS_INVALID_ARGUMENT);
    CHECK(vid == NULL);

    /* The emulator itself refuses a redeemed ticket, as production does. */
    soter_emulator_set_reusable_tickets(emu, false);
    CHECK(soter_emulator_issue_verify_result(emu, S("o_a"), &ticket, NULL) == SOTER_STATUS_OK);
    CHECK(soter_wechat_face_get_info(client, S(ticket), &info, NULL) == SOTER_STATUS_OK);
    soter_face_info_free(info);
    st = soter_wechat_face_get_info(client, S(ticket), &info, &err);
    int64_t errcode = 0;
    CHECK(st == SOTER_STATUS_WECHAT_API && err != NULL && soter_error_errcode(err, &errcode) && errcode == 84001);
    status_of(st, &err);
    soter_string_free(ticket);
    soter_emulator_set_reusable_tickets(NULL, true);

    soter_wechat_client_free(client);
    soter_emulator_free(emu);
}

static SoterReplayGuard *redis_guard(const char *url, uint32_t timeout_ms) {
    SoterGuardOptions o;
    soter_guard_options_init(&o);
    o.timeout_ms = timeout_ms;
    o.prefix = U8("c-test:");
    o.prefix_len = strlen("c-test:");
    SoterReplayGuard *g = NULL;
    SoterError *err = NULL;
    CHECK(status_of(soter_replay_guard_new_redis(S(url), &o, &g, &err), &err) == SOTER_STATUS_OK);
    return g;
}

static void redis_checks(const SoterDevice *dev, const SoterKey *key) {
    int port = free_port();
    pid_t server = start_redis_with(port, NULL);
    CHECK(port_open(port));
    char url[128];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", port);
    SoterReplayGuard *g = redis_guard(url, 500);
    common_checks(g, dev, key, "redis");
    face_checks(g, "redis");

    char c[SOTER_CHALLENGE_LEN + 1];
    SoterError *perr = NULL;
    CHECK(status_of(soter_replay_guard_ping(g, &perr), &perr) == SOTER_STATUS_OK);

    /* Forked after use (gunicorn --preload): the parent's pooled connection is never shared.
       Each child: genuine logins pass, results whose raw was never issued never pass. */
    CHECK(issue(g, "c-parent", 60000, c) == SOTER_STATUS_OK);
    {
        Signed warm = sign(dev, c);
        SoterGuardSubject pw = who("c-parent", NULL, NULL);
        CHECK(authenticate(g, key, warm, &pw, NULL) == SOTER_STATUS_OK);
        free_signed(warm);
    }
    pid_t workers[4];
    for (int i = 0; i < 4; i++) {
        workers[i] = fork();
        if (workers[i] == 0) {
            int forged_ok = 0, genuine_failed = 0;
            char subject[32], mine[SOTER_CHALLENGE_LEN + 1];
            snprintf(subject, sizeof subject, "c-worker-%d", i);
            SoterGuardSubject ws = who(subject, NULL, NULL);
            for (int round = 0; round < 6; round++) {
                if (issue(g, subject, 60000, mine) != SOTER_STATUS_OK) { genuine_failed++; continue; }
                Signed real = sign(dev, mine);
                if (authenticate(g, key, real, &ws, NULL) != SOTER_STATUS_OK) genuine_failed++;
                free_signed(real);
                char never[SOTER_CHALLENGE_LEN + 1];
                CHECK(soter_new_challenge(never, sizeof never, NULL, NULL) == SOTER_STATUS_OK);
                Signed forged = sign(dev, never);
                if (authenticate(g, key, forged, &ws, NULL) == SOTER_STATUS_OK) forged_ok++;
                free_signed(forged);
            }
            _exit(forged_ok * 16 + genuine_failed);
        }
    }
    for (int i = 0; i < 4; i++) {
        int st = 0;
        waitpid(workers[i], &st, 0);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) fprintf(stderr, "  forked worker %d: status %d\n", i, st);
    }

    /* One subject flooding challenges keeps only its newest 16 (option: 4 here). */
    {
        SoterGuardOptions bo;
        soter_guard_options_init(&bo);
        bo.max_challenges_per_subject = 4;
        SoterReplayGuard *bounded = NULL;
        CHECK(status_of(soter_replay_guard_new_redis(S(url), &bo, &bounded, &perr), &perr) == SOTER_STATUS_OK);
        char first[SOTER_CHALLENGE_LEN + 1];
        CHECK(issue(bounded, "c-flood", 60000, first) == SOTER_STATUS_OK);
        for (int i = 0; i < 10; i++) CHECK(issue(bounded, "c-flood", 60000, c) == SOTER_STATUS_OK);
        SoterGuardSubject fw = who("c-flood", NULL, NULL);
        Signed old = sign(dev, first), newest = sign(dev, c);
        CHECK(authenticate(bounded, key, old, &fw, NULL) == SOTER_STATUS_CHALLENGE_MISMATCH);
        CHECK(authenticate(bounded, key, newest, &fw, NULL) == SOTER_STATUS_OK);
        free_signed(old);
        free_signed(newest);
        soter_replay_guard_free(bounded);

        /* wait_replicas with no replica: fails closed, and the challenge stays used. */
        soter_guard_options_init(&bo);
        bo.wait_replicas = 1;
        bo.timeout_ms = 300;
        SoterReplayGuard *durable = NULL;
        CHECK(status_of(soter_replay_guard_new_redis(S(url), &bo, &durable, &perr), &perr) == SOTER_STATUS_OK);
        CHECK(issue(durable, "c-durable", 60000, c) == SOTER_STATUS_OK);
        Signed d = sign(dev, c);
        SoterGuardSubject dw = who("c-durable", NULL, NULL);
        CHECK(authenticate(durable, key, d, &dw, NULL) == SOTER_STATUS_STORE_UNAVAILABLE);
        CHECK(authenticate(durable, key, d, &dw, NULL) == SOTER_STATUS_CHALLENGE_MISMATCH);
        free_signed(d);
        soter_replay_guard_free(durable);

        /* A timeout in seconds by mistake (an hour and more) is refused. */
        soter_guard_options_init(&bo);
        bo.timeout_ms = SOTER_GUARD_MAX_TIMEOUT_MS + 1;
        SoterReplayGuard *none = NULL;
        CHECK(status_of(soter_replay_guard_new_redis(S(url), &bo, &none, &perr), &perr) == SOTER_STATUS_CONFIG && none == NULL);

        /* Sentinel: arguments checked; a guard on Sentinels that are not there fails closed. */
        const uint8_t *urls[1] = {U8(url)};
        size_t lens[1] = {strlen(url)};
        SoterSentinelOptions so;
        memset(&so, 0, sizeof so);
        CHECK(status_of(soter_replay_guard_new_redis_sentinel(NULL, NULL, 0, S("mymaster"), &so, NULL, &none, &perr), &perr) ==
              SOTER_STATUS_INVALID_ARGUMENT);
        CHECK(status_of(soter_replay_guard_new_redis_sentinel(urls, lens, 1, S(""), &so, NULL, &none, &perr), &perr) == SOTER_STATUS_CONFIG);
        char dead[64];
        snprintf(dead, sizeof dead, "redis://127.0.0.1:%d", free_port());
        urls[0] = U8(dead);
        lens[0] = strlen(dead);
        so.password = U8(PASSWORD);
        so.password_len = strlen(PASSWORD);
        SoterReplayGuard *sg = NULL;
        CHECK(status_of(soter_replay_guard_new_redis_sentinel(urls, lens, 1, S("mymaster"), &so, NULL, &sg, &perr), &perr) == SOTER_STATUS_OK);
        CHECK(status_of(soter_replay_guard_ping(sg, &perr), &perr) == SOTER_STATUS_STORE_UNAVAILABLE);
        soter_replay_guard_free(sg);
    }

    /* Eight processes present one signed result at once: exactly one wins. */
    CHECK(issue(g, "c-race", 60000, c) == SOTER_STATUS_OK);
    Signed s = sign(dev, c);
    SoterGuardSubject w = who("c-race", NULL, NULL);
    int go[2];
    CHECK(pipe(go) == 0);
    pid_t kids[8];
    for (int i = 0; i < 8; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            SoterReplayGuard *mine = redis_guard(url, 2000);
            char byte;
            close(go[1]);
            if (read(go[0], &byte, 1) < 0) _exit(3);
            SoterStatus st = authenticate(mine, key, s, &w, NULL);
            soter_replay_guard_free(mine);
            _exit(st == SOTER_STATUS_OK ? 0 : st == SOTER_STATUS_CHALLENGE_MISMATCH ? 1 : 2);
        }
    }
    close(go[0]);
    close(go[1]); /* every child's read returns at once */
    int wins = 0, refused = 0;
    for (int i = 0; i < 8; i++) {
        int st = 0;
        waitpid(kids[i], &st, 0);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0) wins++;
        if (WIFEXITED(st) && WEXITSTATUS(st) == 1) refused++;
    }
    CHECK(wins == 1 && refused == 7);
    if (wins != 1 || refused != 7) fprintf(stderr, "  race: %d wins, %d refused\n", wins, refused);
    free_signed(s);

    /* Redis goes away: fails closed, quickly; comes back: works again with the same guard. */
    CHECK(issue(g, "c-fault", 60000, c) == SOTER_STATUS_OK);
    s = sign(dev, c);
    stop_redis(server, port);
    w = who("c-fault", NULL, NULL);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK(authenticate(g, key, s, &w, NULL) == SOTER_STATUS_STORE_UNAVAILABLE);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    CHECK(t1.tv_sec - t0.tv_sec < 3);
    CHECK(status_of(soter_replay_guard_ping(g, &perr), &perr) == SOTER_STATUS_STORE_UNAVAILABLE);
    free_signed(s);
    server = start_redis_with(port, NULL);
    CHECK(issue(g, "c-fault", 60000, c) == SOTER_STATUS_OK);
    s = sign(dev, c);
    CHECK(authenticate(g, key, s, &w, NULL) == SOTER_STATUS_OK);
    free_signed(s);
    soter_replay_guard_free(g);

    /* A password in the URL never shows (the server has none: AUTH fails). */
    char pw_url[192];
    snprintf(pw_url, sizeof pw_url, "redis://:%s@127.0.0.1:%d/0", PASSWORD, port);
    g = redis_guard(pw_url, 500);
    char *text = NULL;
    SoterError *err = NULL;
    CHECK(status_of(soter_replay_guard_describe(g, &text, NULL, &err), &err) == SOTER_STATUS_OK);
    CHECK(text && strstr(text, PASSWORD) == NULL && strstr(text, "***@127.0.0.1") != NULL);
    soter_string_free(text);
    CHECK(issue(g, "c-pw", 1000, c) == SOTER_STATUS_STORE_UNAVAILABLE); /* status_of checks the message */
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

    /* Memory. */
    SoterReplayGuard *g = NULL;
    SoterError *err = NULL;
    CHECK(status_of(soter_replay_guard_new_memory(NULL, &g, &err), &err) == SOTER_STATUS_OK);
    common_checks(g, dev, key, "memory");
    char *text = NULL;
    size_t text_len = 0;
    CHECK(status_of(soter_replay_guard_describe(g, &text, &text_len, &err), &err) == SOTER_STATUS_OK);
    CHECK(text && text_len == strlen(text) && strstr(text, "MemoryStore") != NULL);
    soter_string_free(text);
    soter_replay_guard_free(g);

    /* The memory bound: a full guard refuses to issue. */
    SoterGuardOptions o;
    soter_guard_options_init(&o);
    o.max_challenges = 3;
    CHECK(status_of(soter_replay_guard_new_memory(&o, &g, &err), &err) == SOTER_STATUS_OK);
    char c[SOTER_CHALLENGE_LEN + 1];
    for (int i = 0; i < 3; i++) CHECK(issue(g, "c-full", 60000, c) == SOTER_STATUS_OK);
    CHECK(issue(g, "c-full", 60000, c) == SOTER_STATUS_STORE_UNAVAILABLE);

    /* The mini-program path through the emulator. */
    SoterEmulator *emu = NULL;
    CHECK(soter_emulator_start(S("wxguard"), S("guard-secret"), NULL, &emu, NULL) == SOTER_STATUS_OK);
    char *dpem = NULL;
    size_t dpem_len = 0;
    CHECK(soter_device_public_key_pem(dev, &dpem, &dpem_len, NULL) == SOTER_STATUS_OK);
    CHECK(soter_emulator_register_device(emu, S("o_guard"), U8(dpem), dpem_len, NULL) == SOTER_STATUS_OK);
    soter_string_free(dpem);
    SoterClientOptions co;
    soter_client_options_init(&co);
    const char *base = soter_emulator_base_url(emu);
    co.base_url = U8(base);
    co.base_url_len = strlen(base);
    SoterWechatClient *client = NULL;
    CHECK(soter_wechat_client_new(S("wxguard"), S("guard-secret"), &co, &client, NULL) == SOTER_STATUS_OK);
    SoterReplayGuard *mg = NULL;
    CHECK(status_of(soter_replay_guard_new_memory(NULL, &mg, &err), &err) == SOTER_STATUS_OK);
    face_checks(mg, "memory");
    CHECK(issue(mg, "c-wechat", 60000, c) == SOTER_STATUS_OK);
    Signed s = sign(dev, c);
    SoterGuardSubject w = who("c-wechat", soter_device_cpu_id(dev), NULL);
    Signed forged = sign(dev, c);
    forged.json[8] ^= 1;
    SoterResultJson *r = NULL;
    CHECK(status_of(soter_replay_guard_authenticate_via_wechat(mg, client, S("o_guard"), S(forged.json), S(forged.sig), &w, &r, &err), &err) ==
          SOTER_STATUS_SIGNATURE_INVALID);
    CHECK(r == NULL);
    CHECK(status_of(soter_replay_guard_authenticate_via_wechat(mg, client, S("o_guard"), S(s.json), S(s.sig), &w, &r, &err), &err) == SOTER_STATUS_OK);
    CHECK(r != NULL);
    soter_result_json_free(r);
    CHECK(status_of(soter_replay_guard_authenticate_via_wechat(mg, client, S("o_guard"), S(s.json), S(s.sig), &w, NULL, &err), &err) ==
          SOTER_STATUS_CHALLENGE_MISMATCH);
    free_signed(s);
    free_signed(forged);
    soter_replay_guard_free(mg);
    soter_wechat_client_free(client);
    soter_emulator_free(emu);

    /* Cluster constructor: bad arguments, a bad URL, an unreachable node. */
    const uint8_t *urls[1] = {U8("redis://127.0.0.1:1")};
    size_t lens[1] = {strlen("redis://127.0.0.1:1")};
    SoterReplayGuard *cg = NULL;
    CHECK(status_of(soter_replay_guard_new_redis_cluster(urls, lens, 0, NULL, &cg, &err), &err) == SOTER_STATUS_INVALID_ARGUMENT);
    const uint8_t *bad[1] = {U8("nosuch://x")};
    size_t bad_lens[1] = {strlen("nosuch://x")};
    CHECK(status_of(soter_replay_guard_new_redis_cluster(bad, bad_lens, 1, NULL, &cg, &err), &err) == SOTER_STATUS_CONFIG);
    CHECK(status_of(soter_replay_guard_new_redis_cluster(urls, lens, 1, NULL, &cg, &err), &err) == SOTER_STATUS_OK);
    CHECK(issue(cg, "c-cluster", 1000, c) == SOTER_STATUS_STORE_UNAVAILABLE);
    soter_replay_guard_free(cg);
    CHECK(status_of(soter_replay_guard_new_redis(S("not a url"), NULL, &cg, &err), &err) == SOTER_STATUS_CONFIG);
    soter_replay_guard_free(NULL);

    if (have_redis()) {
        redis_checks(dev, key);
    } else if (getenv("SOTER_REQUIRE_REDIS") && strcmp(getenv("SOTER_REQUIRE_REDIS"), "1") == 0) {
        fprintf(stderr, "redis-server is not installed and SOTER_REQUIRE_REDIS=1\n");
        failed++;
    } else {
        printf("*** SKIPPED the Redis part of test_guard: redis-server not found on PATH ***\n");
    }

    soter_replay_guard_free(g);
    soter_key_free(key);
    soter_device_free(dev);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
