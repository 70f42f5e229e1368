/*
 * fork() after the library was used, as prefork servers do (built as C11 and as C++17 with -Wall
 * -Wextra -Werror, run under ASan and valgrind by `make hardening`):
 *  - a WeChat client used by the parent, then by 4 forked children at once: each child gets its
 *    own answers (no cross-talk) over connections of its own, keeps the cached token, and the
 *    parent goes on with its pool afterwards;
 *  - a fork while another thread is inside the log callback: the child can log, and removing the
 *    callback (soter_set_log_callback(NULL, ...)) returns instead of waiting for a delivery that
 *    belongs to the parent.
 * Children report through a pipe and leave by exec'ing /bin/true (see leave()); each arms alarm()
 * so that a hang fails the test (killed by SIGALRM) instead of hanging the suite. Everything is
 * on loopback.
 * Prints "N passed, M failed" and exits non-zero on any failure.
 */
#define _DEFAULT_SOURCE /* alarm, pipe, fork under -std=c11 */
#include "soter_verify.h"
#include "check.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define S(s) U8(s), strlen(s)
#define CHILDREN 4
#define CALLS 24
#define MAX_THREADS 8
/* Threads per child. Under GCC's ASan, one: its thread registry lock is not taken across fork,
 * so a child forked while one of the parent's threads (the emulator's, starting a connection's
 * thread) held it deadlocks in pthread_create (seen in CI as a child killed by SIGALRM, its only
 * thread waiting in __sanitizer::ThreadRegistry::CreateThread). The plain and valgrind runs keep
 * two threads per child. */
#ifdef __SANITIZE_ADDRESS__
#define CHILD_THREADS 1
#else
#define CHILD_THREADS 2
#endif

static const char *APPID = "wx0123456789abcdef";
static const char *SECRET = "c-fork-app-secret-9a1c";

static char *valid_json, *valid_sig, *other_sig;

/* A child's way out, once it has reported: exec /bin/true (or /bin/false when the report could
 * not be written). Not _exit: under valgrind a child's _exit runs the leak check, and in a child
 * the heap blocks that only the parent's threads (the emulator's, the blocked logger's) pointed
 * to are unreachable, so they count as lost although nothing leaked. An exec ends the image
 * without a leak check, atexit handlers or ASan's exit hooks; the parent is checked in full. */
static void leave(int reported) {
    if (reported)
        execl("/bin/true", "true", (char *)NULL);
    else
        execl("/bin/false", "false", (char *)NULL);
    _exit(reported ? 0 : 3); /* no /bin/true: leave anyway */
}

static void openid(char *buf, size_t cap, int child) {
    snprintf(buf, cap, "o_c_fork_%d", child);
}

/* A verdict pattern of its own per child: an answer meant for another child shows. */
static int expect_valid(int child, int i) {
    return (i * 7 + child * 3) % 5 < 2 || (i + child) % 3 == 0;
}

typedef struct {
    const SoterWechatClient *client;
    int child, first, step, calls;
    int wrong, errors;
} Burst;

static void *burst_thread(void *arg) {
    Burst *b = (Burst *)arg;
    char id[32];
    openid(id, sizeof id, b->child);
    for (int i = b->first; i < b->calls; i += b->step) {
        int valid = expect_valid(b->child, i);
        const char *sig = valid ? valid_sig : other_sig;
        bool ok = !valid;
        SoterStatus st = soter_wechat_soter_verify_signature(b->client, S(id), S(valid_json), S(sig), &ok, NULL);
        if (st != SOTER_STATUS_OK)
            b->errors++;
        else if ((int)ok != valid)
            b->wrong++;
    }
    return NULL;
}

/* `threads` threads making `calls` calls in all as `child`; totals in *wrong and *errors. */
static void burst(const SoterWechatClient *c, int child, int threads, int calls, int *wrong, int *errors) {
    pthread_t t[MAX_THREADS];
    Burst b[MAX_THREADS];
    *wrong = *errors = 0;
    for (int i = 0; i < threads; i++) {
        b[i].client = c;
        b[i].child = child;
        b[i].first = i;
        b[i].step = threads;
        b[i].calls = calls;
        b[i].wrong = b[i].errors = 0;
        if (threads == 1) { /* on this thread: no thread is created (see CHILD_THREADS) */
            burst_thread(&b[0]);
            *wrong = b[0].wrong;
            *errors = b[0].errors;
            return;
        }
        if (pthread_create(&t[i], NULL, burst_thread, &b[i]) != 0) {
            b[i].errors = 1000;
            threads = i;
            break;
        }
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        *wrong += b[i].wrong;
        *errors += b[i].errors;
    }
}

/* Wait for `pid` (exit status 0 wanted) and read what it wrote to `fd`. */
static int reap(pid_t pid, int fd, char *said, size_t cap) {
    size_t n = 0;
    ssize_t r;
    while (n + 1 < cap && (r = read(fd, said + n, cap - 1 - n)) > 0) n += (size_t)r;
    said[n] = '\0';
    close(fd);
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return 0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "  child %d: status %d, said \"%s\"\n", (int)pid, status, said);
        return 0;
    }
    return 1;
}

static SoterWechatClient *new_client(const SoterEmulator *emu) {
    SoterClientOptions o;
    soter_client_options_init(&o);
    const char *url = soter_emulator_base_url(emu);
    o.base_url = U8(url);
    o.base_url_len = strlen(url);
    o.max_attempts = 1;
    o.timeout_ms = 10000;
    SoterWechatClient *c = NULL;
    CHECK(soter_wechat_client_new(S(APPID), S(SECRET), &o, &c, NULL) == SOTER_STATUS_OK && c != NULL);
    return c;
}

static void test_client_after_fork(const SoterEmulator *emu) {
    SoterWechatClient *c = new_client(emu);
    if (!c) return;
    int wrong = 0, errors = 0;
    /* The parent pools several keep-alive connections and caches a token. */
    burst(c, CHILDREN, MAX_THREADS, 4 * MAX_THREADS, &wrong, &errors);
    CHECK(wrong == 0 && errors == 0);
    SoterEmulatorCounters before, after, end;
    CHECK(soter_emulator_counters(emu, &before, NULL) == SOTER_STATUS_OK);

    pid_t pids[CHILDREN];
    int fds[CHILDREN];
    for (int child = 0; child < CHILDREN; child++) {
        int p[2];
        CHECK(pipe(p) == 0);
        fflush(NULL);
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            alarm(30);
            close(p[0]);
            int w = 0, e = 0;
            burst(c, child, CHILD_THREADS, CALLS, &w, &e);
            char line[64];
            int n = snprintf(line, sizeof line, "%d %d", w, e);
            leave(write(p[1], line, (size_t)n) == n);
        }
        close(p[1]);
        pids[child] = pid;
        fds[child] = p[0];
    }
    int total_wrong = 0, total_errors = 0;
    for (int child = 0; child < CHILDREN; child++) {
        char said[64];
        int w = -1, e = -1;
        CHECK(reap(pids[child], fds[child], said, sizeof said));
        CHECK(sscanf(said, "%d %d", &w, &e) == 2);
        total_wrong += w;
        total_errors += e;
    }
    CHECK(soter_emulator_counters(emu, &after, NULL) == SOTER_STATUS_OK);
    printf("  %d children x %d calls after the parent pooled %llu connections: %d wrong verdicts (cross-talk), "
           "%d errors, %llu new connections\n",
           CHILDREN, CALLS, (unsigned long long)before.connections, total_wrong, total_errors,
           (unsigned long long)(after.connections - before.connections));
    CHECK(total_wrong == 0);
    CHECK(total_errors == 0);
    CHECK(after.verify_signature_requests - before.verify_signature_requests == CHILDREN * CALLS);
    CHECK(after.connections - before.connections >= CHILDREN); /* each child's own connections */
    CHECK(after.token_requests == 1);                           /* the children kept the token */

    /* The parent's pool was left alone: it goes on with it. */
    burst(c, CHILDREN, MAX_THREADS, 4 * MAX_THREADS, &wrong, &errors);
    CHECK(wrong == 0 && errors == 0);
    CHECK(soter_emulator_counters(emu, &end, NULL) == SOTER_STATUS_OK);
    CHECK(end.connections - after.connections < MAX_THREADS);
    soter_wechat_client_free(c);
}

/* ---- the logger: a fork while another thread is inside the callback -------------------------- */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t log_cond = PTHREAD_COND_INITIALIZER;
static int block_next, inside, released, delivered;

static void blocking_logger(void *user_data, int32_t level, const char *message, size_t len) {
    (void)user_data;
    (void)level;
    (void)message;
    (void)len;
    pthread_mutex_lock(&log_lock);
    delivered++;
    if (block_next) {
        block_next = 0;
        inside = 1;
        pthread_cond_broadcast(&log_cond);
        while (!released) pthread_cond_wait(&log_cond, &log_lock);
    }
    pthread_mutex_unlock(&log_lock);
}

typedef struct {
    const SoterWechatClient *client;
    int ok;
} Call;

static void *call_thread(void *arg) {
    Call *call = (Call *)arg;
    char id[32];
    openid(id, sizeof id, 0);
    bool ok = false;
    call->ok = soter_wechat_soter_verify_signature(call->client, S(id), S(valid_json), S(valid_sig), &ok, NULL) ==
                   SOTER_STATUS_OK && ok;
    return NULL;
}

static void test_fork_inside_the_log_callback(const SoterEmulator *emu) {
    SoterWechatClient *c = new_client(emu);
    if (!c) return;
    pthread_mutex_lock(&log_lock);
    block_next = 1;
    inside = released = delivered = 0;
    pthread_mutex_unlock(&log_lock);
    CHECK(soter_set_log_callback(blocking_logger, NULL, SOTER_LOG_INFO, NULL) == SOTER_STATUS_OK);
    /* A cold cache: the call's token fetch logs at info level, and that delivery blocks. */
    Call call = {c, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, call_thread, &call) == 0);
    pthread_mutex_lock(&log_lock);
    while (!inside) pthread_cond_wait(&log_cond, &log_lock);
    pthread_mutex_unlock(&log_lock);

    int p[2];
    CHECK(pipe(p) == 0);
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        alarm(10); /* a hang at set_log_callback dies by SIGALRM: the parent sees it */
        close(p[0]);
        /* The child logs (its own deliveries run; none blocks) ... */
        delivered = 0;
        soter_wechat_client_clear_token(c);
        Call mine = {c, 0};
        call_thread(&mine);
        int logged = delivered > 0;
        /* ... and removing the callback returns: the parent's delivery in flight is not ours. */
        int removed = soter_set_log_callback(NULL, NULL, SOTER_LOG_OFF, NULL) == SOTER_STATUS_OK;
        char line[32];
        int n = snprintf(line, sizeof line, "%d %d %d", mine.ok, logged, removed);
        leave(write(p[1], line, (size_t)n) == n);
    }
    close(p[1]);
    char said[64];
    int ok = 0, logged = 0, removed = 0;
    CHECK(reap(pid, p[0], said, sizeof said));
    CHECK(sscanf(said, "%d %d %d", &ok, &logged, &removed) == 3);
    printf("  child forked inside the log callback: call ok %d, logged %d, callback removed %d\n", ok, logged, removed);
    CHECK(ok == 1);
    CHECK(logged == 1);
    CHECK(removed == 1);

    pthread_mutex_lock(&log_lock);
    released = 1;
    pthread_cond_broadcast(&log_cond);
    pthread_mutex_unlock(&log_lock);
    pthread_join(t, NULL);
    CHECK(call.ok == 1);
    CHECK(soter_set_log_callback(NULL, NULL, SOTER_LOG_OFF, NULL) == SOTER_STATUS_OK);
    soter_wechat_client_free(c);
}

int main(void) {
    SoterEmulator *emu = NULL;
    SoterDevice *dev = NULL;
    char *pem = NULL, *other_json = NULL;
    CHECK(soter_emulator_start(S(APPID), S(SECRET), NULL, &emu, NULL) == SOTER_STATUS_OK && emu != NULL);
    CHECK(soter_device_new(2048, &dev, NULL) == SOTER_STATUS_OK && dev != NULL);
    CHECK(soter_device_public_key_pem(dev, &pem, NULL, NULL) == SOTER_STATUS_OK);
    if (emu && dev && pem) {
        for (int child = 0; child <= CHILDREN; child++) {
            char id[32];
            openid(id, sizeof id, child);
            CHECK(soter_emulator_register_device(emu, S(id), S(pem), NULL) == SOTER_STATUS_OK);
        }
        CHECK(soter_device_sign_result(dev, S("c-fork-challenge"), 20, &valid_json, NULL, &valid_sig, NULL, NULL) ==
              SOTER_STATUS_OK);
        /* A real signature over other bytes: WeChat answers is_ok false. */
        CHECK(soter_device_sign_result(dev, S("c-fork-other"), 20, &other_json, NULL, &other_sig, NULL, NULL) ==
              SOTER_STATUS_OK);
        if (valid_json && other_sig) {
            test_client_after_fork(emu);
            test_fork_inside_the_log_callback(emu);
        }
    }
    soter_string_free(valid_json);
    soter_string_free(valid_sig);
    soter_string_free(other_json);
    soter_string_free(other_sig);
    soter_string_free(pem);
    soter_device_free(dev);
    soter_emulator_free(emu);
    printf("C fork: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
