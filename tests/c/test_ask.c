/*
 * Trusting the ASK from C (built as C11 and as C++17 with -Wall -Wextra -Werror): the real Huawei
 * certificate chain, tampering, trust through roots, validity, attestation content, hostile
 * input, the AuthKey step against the ASK's device, and classic ASKs through the emulator's
 * verify_ask and is_support. Prints "N passed, M failed"; exits non-zero on any failure.
 */
#include "soter_verify.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S(s) U8(s), strlen(s)

/* 2026-01-01T00:00:00Z: inside the sample chain's validity (it expires in 2028). */
static const int64_t AT = 1767225600;
static const char *APPID = "wx0123456789abcdef";
static const char *SECRET = "c-ask-test-secret";

static int bytes_eq(const uint8_t *p, size_t n, const char *s) {
    return n == strlen(s) && memcmp(p, s, n) == 0;
}

/* Certificates of the sample as separate PEM strings (the JSON escapes are undone by the library). */
static size_t split_certs(const char *json, char **out, size_t max) {
    size_t n = 0;
    const char *p = json;
    while (n < max && (p = strstr(p, "-----BEGIN CERTIFICATE")) != NULL) {
        const char *end = strstr(p, "-----END CERTIFICATE-----");
        if (!end) break;
        end += strlen("-----END CERTIFICATE-----");
        out[n] = (char *)malloc((size_t)(end - p) + 1);
        memcpy(out[n], p, (size_t)(end - p));
        out[n][end - p] = 0;
        n++;
        p = end;
    }
    return n;
}

static void test_sample_chain(void) {
    size_t len = 0;
    char *chain = read_vector("ask_cert_json.txt", &len);
    SoterAsk *ask = NULL;
    SoterError *err = NULL;
    CHECK(soter_verify_ask_chain(U8(chain), len, NULL, 0, true, AT, &ask, &err) == SOTER_STATUS_OK);
    if (err) fprintf(stderr, "sample: %s\n", soter_error_message(err));
    soter_error_free(err);
    err = NULL;
    const uint8_t *p = NULL;
    size_t n = 0;
    CHECK(soter_ask_cpu_id(ask, &p, &n) == SOTER_STATUS_OK && bytes_eq(p, n, "HUAWEI_HWLYA_b3161401-62fa-4d9b-a102-e12a79d814a6-54843a61"));
    CHECK(soter_ask_uid(ask, &p, &n) == SOTER_STATUS_OK && bytes_eq(p, n, "10147"));
    CHECK(soter_ask_signed_json(ask, &p, &n) == SOTER_STATUS_OK && n > 20 && p[0] == '{');
    CHECK(soter_ask_counter(ask) == 88);
    CHECK(soter_ask_salt_len(ask) == 32);
    CHECK(soter_ask_format(ask) == SOTER_ASK_FORMAT_CERTIFICATE_CHAIN);
    CHECK(soter_ask_subject_count(ask) == 4);
    CHECK(soter_ask_subject(ask, 0, &p, &n) == SOTER_STATUS_OK && bytes_eq(p, n, "CN=A Keymaster Key"));
    CHECK(soter_ask_subject(ask, 4, &p, &n) == SOTER_STATUS_INVALID_ARGUMENT);
    uint8_t pin[32];
    CHECK(soter_ask_root_spki_sha256(ask, pin) && pin[0] == 0xce && pin[31] == 0xb9);
    CHECK(!soter_ask_root_spki_sha256(ask, NULL));
    SoterKey *key = NULL;
    CHECK(soter_ask_public_key(ask, &key, NULL) == SOTER_STATUS_OK && soter_key_bits(key) == 2048);
    soter_key_free(key);
    soter_ask_free(ask);

    /* As a list of PEM certificates. */
    char *pems[8];
    size_t count = split_certs(chain, pems, 8);
    CHECK(count == 4);
    SoterBytes certs[4];
    for (size_t i = 0; i < count && i < 4; i++) {
        certs[i].data = U8(pems[i]);
        certs[i].len = strlen(pems[i]);
    }
    ask = NULL;
    CHECK(soter_verify_ask_chain_certs(certs, 4, NULL, 0, true, AT, &ask, NULL) == SOTER_STATUS_OK);
    CHECK(soter_ask_counter(ask) == 88);
    soter_ask_free(ask);
    /* The root removed: untrusted. */
    ask = NULL;
    check_refused(soter_verify_ask_chain_certs(certs, 3, NULL, 0, true, AT, &ask, &err), &err, SOTER_STATUS_UNTRUSTED_ROOT, "Equipment CA");
    CHECK(ask == NULL);
    /* Expired at a later time (2028-06-01). */
    check_refused(soter_verify_ask_chain(U8(chain), len, NULL, 0, true, 1843430400, &ask, &err), &err, SOTER_STATUS_CERTIFICATE_INVALID, "expired");
    /* One flipped byte in the last base64 line before the END of certificate #2's signature. */
    char *flipped = (char *)malloc(strlen(pems[2]) + 1);
    strcpy(flipped, pems[2]);
    char *end = strstr(flipped, "-----END");
    char *q = end - 12;
    while (*q == '\\' || *q == 'n' || *q == '\n' || *q == '=') q--;
    *q = (*q == 'A') ? 'B' : 'A';
    SoterBytes tampered[4] = {certs[0], certs[1], {U8(flipped), strlen(flipped)}, certs[3]};
    check_refused(soter_verify_ask_chain_certs(tampered, 4, NULL, 0, true, AT, &ask, &err), &err, SOTER_STATUS_CERTIFICATE_INVALID, "certificate #2");
    free(flipped);
    /* Mismatching top-level fields. */
    char *mismatch = (char *)malloc(len + 64);
    memcpy(mismatch, chain, len);
    size_t close = len;
    while (close > 0 && mismatch[close - 1] != '}') close--;
    snprintf(mismatch + close - 1, 64, ",\"uid\":\"99\"}");
    check_refused(soter_verify_ask_chain(U8(mismatch), strlen(mismatch), NULL, 0, true, AT, &ask, &err), &err, SOTER_STATUS_CERTIFICATE_INVALID, "uid");
    free(mismatch);
    /* Hostile: empty chain, NULL list with a count, a negative time, a length bomb. */
    check_refused(soter_verify_ask_chain(S("{\"certs\":[]}"), NULL, 0, true, AT, &ask, &err), &err, SOTER_STATUS_CERTIFICATE_INVALID, "empty");
    check_refused(soter_verify_ask_chain_certs(NULL, 3, NULL, 0, false, 0, &ask, &err), &err, SOTER_STATUS_INVALID_ARGUMENT, "NULL");
    check_refused(soter_verify_ask_chain(U8(chain), len, NULL, 0, true, -5, &ask, &err), &err, SOTER_STATUS_INVALID_ARGUMENT, "1970");
    static const uint8_t bomb[] = {0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x30, 0x84, 0xff, 0xff, 0xff, 0xff};
    SoterBytes one = {bomb, sizeof bomb};
    check_refused(soter_verify_ask_chain_certs(&one, 1, NULL, 0, true, AT, &ask, &err), &err, SOTER_STATUS_CERTIFICATE_INVALID, "#0");
    check_refused(soter_verify_ask_chain(U8(chain), len, NULL, 0, true, AT, NULL, &err), &err, SOTER_STATUS_INVALID_ARGUMENT, "out");
    CHECK(ask == NULL);
    /* Accessors on NULL. */
    CHECK(soter_ask_counter(NULL) == 0 && soter_ask_salt_len(NULL) == -1 && soter_ask_format(NULL) == -1);
    CHECK(soter_ask_subject_count(NULL) == 0);
    CHECK(soter_ask_cpu_id(NULL, &p, &n) == SOTER_STATUS_INVALID_ARGUMENT);
    soter_ask_free(NULL);
    /* A certificate loads as its subject key. */
    SoterKey *from_cert = NULL;
    CHECK(soter_key_load(S(pems[0]), &from_cert, NULL) == SOTER_STATUS_OK && soter_key_bits(from_cert) == 2048);
    soter_key_free(from_cert);
    for (size_t i = 0; i < count; i++) free(pems[i]);
    free(chain);
}

/* Key generation is the slow part (under valgrind especially): one ASK key pair and two devices
 * serve every test. */
static SoterTestKeyPair *ask_pair;
static SoterDevice *dev, *other;

static void test_self_made_chain_and_auth_key(void) {
    SoterTestRoot *root = NULL;
    CHECK(soter_test_root_generate(&root, NULL) == SOTER_STATUS_OK);
    char *root_pem = NULL, *chain = NULL, *bare = NULL;
    size_t root_len = 0, chain_len = 0, bare_len = 0;
    CHECK(soter_test_root_pem(root, &root_pem, &root_len, NULL) == SOTER_STATUS_OK && root_len == strlen(root_pem));
    CHECK(soter_device_ask_chain(dev, ask_pair, root, 0, 32, &chain, &chain_len, NULL) == SOTER_STATUS_OK);
    SoterError *err = NULL;
    SoterAsk *ask = NULL;
    /* Untrusted, then trusted through roots. */
    check_refused(soter_verify_ask_chain(U8(chain), chain_len, NULL, 0, false, 0, &ask, &err), &err, SOTER_STATUS_UNTRUSTED_ROOT, "not a trusted root");
    SoterBytes roots[1] = {{U8(root_pem), root_len}};
    CHECK(soter_verify_ask_chain(U8(chain), chain_len, roots, 1, false, 0, &ask, &err) == SOTER_STATUS_OK);
    if (err) fprintf(stderr, "self-made: %s\n", soter_error_message(err));
    soter_error_free(err);
    err = NULL;
    const uint8_t *p = NULL;
    size_t n = 0;
    CHECK(soter_ask_cpu_id(ask, &p, &n) == SOTER_STATUS_OK && bytes_eq(p, n, soter_device_cpu_id(dev)));
    CHECK(soter_ask_salt_len(ask) == 32);
    /* A bad root input. */
    SoterBytes bad_root[1] = {{U8("not a cert"), 10}};
    check_refused(soter_verify_ask_chain(U8(chain), chain_len, bad_root, 1, false, 0, &ask, &err), &err, SOTER_STATUS_CERTIFICATE_INVALID, "roots[0]");
    /* Expired at a later time; a leaf without the extension. */
    SoterAsk *none = NULL;
    check_refused(soter_verify_ask_chain(U8(chain), chain_len, roots, 1, true, 2524608000LL + 86400, &none, &err), &err, SOTER_STATUS_CERTIFICATE_INVALID, "expired");
    CHECK(soter_device_ask_chain(dev, ask_pair, root, SOTER_TEST_CHAIN_NO_ATTESTATION, -1, &bare, &bare_len, NULL) == SOTER_STATUS_OK);
    check_refused(soter_verify_ask_chain(U8(bare), bare_len, roots, 1, false, 0, &none, &err), &err, SOTER_STATUS_CERTIFICATE_INVALID, "no key-attestation");
    check_refused(soter_device_ask_chain(dev, ask_pair, root, 8, -1, &bare, &bare_len, &err), &err, SOTER_STATUS_INVALID_ARGUMENT, "flags");
    check_refused(soter_device_ask_chain(dev, ask_pair, root, 0, -7, &bare, &bare_len, &err), &err, SOTER_STATUS_INVALID_ARGUMENT, "rsa_pss_saltlen");

    /* The AuthKey step: the device's AuthKey (salt 32 as attested) passes; another device's fails. */
    char *json = NULL, *sig = NULL;
    size_t jl = 0, sl = 0;
    CHECK(soter_device_signed_auth_key_with_salt(dev, ask_pair, 32, &json, &jl, &sig, &sl, NULL) == SOTER_STATUS_OK);
    SoterAuthKey *ak = NULL;
    CHECK(soter_verify_auth_key_with_ask(ask, U8(json), jl, U8(sig), sl, &ak, NULL) == SOTER_STATUS_OK);
    CHECK(soter_auth_key_counter(ak) > 0);
    soter_auth_key_free(ak);
    soter_string_free(json);
    soter_string_free(sig);
    CHECK(soter_device_signed_auth_key_with_salt(other, ask_pair, 32, &json, &jl, &sig, &sl, NULL) == SOTER_STATUS_OK);
    ak = NULL;
    check_refused(soter_verify_auth_key_with_ask(ask, U8(json), jl, U8(sig), sl, &ak, &err), &err, SOTER_STATUS_DEVICE_MISMATCH, "cpu_id");
    CHECK(ak == NULL);
    soter_string_free(json);
    soter_string_free(sig);
    /* Salt 20 where 32 is attested. */
    CHECK(soter_device_signed_auth_key(dev, ask_pair, &json, &jl, &sig, &sl, NULL) == SOTER_STATUS_OK);
    check_refused(soter_verify_auth_key_with_ask(ask, U8(json), jl, U8(sig), sl, &ak, &err), &err, SOTER_STATUS_SIGNATURE_INVALID, NULL);
    soter_string_free(json);
    soter_string_free(sig);

    /* The ASK stored and rebuilt later: the same checks. */
    SoterKey *ask_key = NULL;
    CHECK(soter_ask_public_key(ask, &ask_key, NULL) == SOTER_STATUS_OK);
    const char *cpu = soter_device_cpu_id(dev);
    SoterAsk *stored = NULL;
    CHECK(soter_ask_from_stored(ask_key, S(cpu), S(soter_device_uid(dev)), 0, 32, SOTER_ASK_FORMAT_CERTIFICATE_CHAIN, &stored, NULL) == SOTER_STATUS_OK);
    CHECK(soter_device_signed_auth_key_with_salt(dev, ask_pair, 32, &json, &jl, &sig, &sl, NULL) == SOTER_STATUS_OK);
    CHECK(soter_verify_auth_key_with_ask(stored, U8(json), jl, U8(sig), sl, &ak, NULL) == SOTER_STATUS_OK);
    soter_auth_key_free(ak);
    soter_string_free(json);
    soter_string_free(sig);
    SoterAsk *bad = NULL;
    check_refused(soter_ask_from_stored(ask_key, S(cpu), S("1"), 0, -1, 5, &bad, &err), &err, SOTER_STATUS_INVALID_ARGUMENT, "format");
    check_refused(soter_ask_from_stored(ask_key, S(""), S("1"), 0, -1, 0, &bad, &err), &err, SOTER_STATUS_INVALID_INPUT, "cpu_id");
    CHECK(bad == NULL);
    soter_ask_free(stored);
    soter_key_free(ask_key);

    soter_ask_free(ask);
    soter_string_free(root_pem);
    soter_string_free(chain);
    soter_string_free(bare);
    soter_test_root_free(root);
    soter_test_root_free(NULL);
}

static void test_classic_through_emulator(void) {
    SoterEmulator *emu = NULL;
    CHECK(soter_emulator_start(S(APPID), S(SECRET), NULL, &emu, NULL) == SOTER_STATUS_OK);
    SoterTestKeyPair *attk = NULL;
    CHECK(soter_test_key_pair_generate(2048, &attk, NULL) == SOTER_STATUS_OK);
    /* A wrong ATTK: any key the emulator does not know, here the ASK itself. */
    SoterTestKeyPair *wrong = ask_pair;
    char *attk_pem = NULL;
    CHECK(soter_test_key_pair_public_key_pem(attk, &attk_pem, NULL, NULL) == SOTER_STATUS_OK);
    CHECK(soter_emulator_register_attk(emu, S(attk_pem), NULL) == SOTER_STATUS_OK);
    SoterError *err = NULL;
    check_refused(soter_emulator_register_attk(emu, S("nope"), &err), &err, SOTER_STATUS_INVALID_KEY, NULL);
    CHECK(soter_emulator_register_model(emu, S("HUAWEI-X"), 3, NULL) == SOTER_STATUS_OK);
    check_refused(soter_emulator_register_model(emu, S("HUAWEI-X"), 7, &err), &err, SOTER_STATUS_INVALID_INPUT, "support_type");

    SoterClientOptions o;
    soter_client_options_init(&o);
    const char *url = soter_emulator_base_url(emu);
    o.base_url = U8(url);
    o.base_url_len = strlen(url);
    o.backoff_base_ms = 5;
    o.backoff_max_ms = 20;
    SoterWechatClient *c = NULL;
    CHECK(soter_wechat_client_new(S(APPID), S(SECRET), &o, &c, NULL) == SOTER_STATUS_OK);

    char *json = NULL, *sig = NULL;
    size_t jl = 0, sl = 0;
    CHECK(soter_device_classic_ask(dev, ask_pair, attk, &json, &jl, &sig, &sl, NULL) == SOTER_STATUS_OK);
    SoterAsk *ask = NULL;
    CHECK(soter_wechat_soter_verify_ask(c, U8(json), jl, U8(sig), sl, &ask, &err) == SOTER_STATUS_OK);
    if (err) fprintf(stderr, "verify_ask: %s\n", soter_error_message(err));
    soter_error_free(err);
    err = NULL;
    CHECK(soter_ask_format(ask) == SOTER_ASK_FORMAT_CLASSIC && soter_ask_subject_count(ask) == 0);
    uint8_t pin[32];
    CHECK(!soter_ask_root_spki_sha256(ask, pin));
    /* Full enrollment offline: ASK -> AuthKey -> result. */
    char *akj = NULL, *aks = NULL;
    size_t akjl = 0, aksl = 0;
    CHECK(soter_device_signed_auth_key(dev, ask_pair, &akj, &akjl, &aks, &aksl, NULL) == SOTER_STATUS_OK);
    SoterAuthKey *ak = NULL;
    CHECK(soter_verify_auth_key_with_ask(ask, U8(akj), akjl, U8(aks), aksl, &ak, NULL) == SOTER_STATUS_OK);
    SoterKey *auth_key = NULL;
    CHECK(soter_auth_key_public_key(ak, &auth_key, NULL) == SOTER_STATUS_OK);
    char *rj = NULL, *rs = NULL;
    size_t rjl = 0, rsl = 0;
    CHECK(soter_device_sign_result(dev, S("c-enroll"), 20, &rj, &rjl, &rs, &rsl, NULL) == SOTER_STATUS_OK);
    const char *cpu = soter_device_cpu_id(dev);
    SoterExpectations ex;
    memset(&ex, 0, sizeof ex);
    ex.challenge = U8("c-enroll");
    ex.challenge_len = 8;
    ex.cpu_id = U8(cpu);
    ex.cpu_id_len = strlen(cpu);
    ex.salt_len = SOTER_SALT_LEN_DEFAULT;
    CHECK(soter_authenticate(auth_key, U8(rj), rjl, U8(rs), rsl, &ex, NULL, NULL) == SOTER_STATUS_OK);
    soter_string_free(rj);
    soter_string_free(rs);
    soter_key_free(auth_key);
    soter_auth_key_free(ak);
    soter_string_free(akj);
    soter_string_free(aks);
    soter_ask_free(ask);

    /* Forged (JSON changed after signing) and a wrong ATTK. */
    char *forged = (char *)malloc(jl + 1);
    memcpy(forged, json, jl + 1);
    char *uid = strstr(forged, "\"uid\":\"");
    CHECK(uid != NULL);
    if (uid) uid[7] = uid[7] == '9' ? '8' : '9';
    ask = NULL;
    check_refused(soter_wechat_soter_verify_ask(c, U8(forged), jl, U8(sig), sl, &ask, &err), &err, SOTER_STATUS_SIGNATURE_INVALID, "is_verified");
    free(forged);
    soter_string_free(json);
    soter_string_free(sig);
    CHECK(soter_device_classic_ask(dev, ask_pair, wrong, &json, &jl, &sig, &sl, NULL) == SOTER_STATUS_OK);
    check_refused(soter_wechat_soter_verify_ask(c, U8(json), jl, U8(sig), sl, &ask, &err), &err, SOTER_STATUS_SIGNATURE_INVALID, NULL);
    /* errcode paths: system busy on every attempt; an ASK JSON that is not one. */
    const char *path = "/cgi-bin/soter_3rdapp/verify_ask";
    CHECK(soter_emulator_inject_fault(emu, SOTER_FAULT_SYSTEM_BUSY, -1, 0, S(path), NULL) == SOTER_STATUS_OK);
    check_refused(soter_wechat_soter_verify_ask(c, U8(json), jl, U8(sig), sl, &ask, &err), &err, SOTER_STATUS_WECHAT_API, "-1");
    soter_emulator_clear_faults(emu);
    check_refused(soter_wechat_soter_verify_ask(c, S("{\"x\":1}"), U8(sig), sl, &ask, &err), &err, SOTER_STATUS_INVALID_JSON, NULL);
    CHECK(ask == NULL);
    soter_string_free(json);
    soter_string_free(sig);

    /* is_support. */
    bool supported = false;
    uint32_t type = 99;
    CHECK(soter_wechat_soter_is_support(c, S("HUAWEI-X"), &supported, &type, NULL) == SOTER_STATUS_OK && supported && type == 3);
    CHECK(soter_wechat_soter_is_support(c, S("unknown"), &supported, &type, NULL) == SOTER_STATUS_OK && !supported && type == 0);
    check_refused(soter_wechat_soter_is_support(c, S(""), &supported, &type, &err), &err, SOTER_STATUS_INVALID_INPUT, NULL);
    check_refused(soter_wechat_soter_is_support(c, S("x"), NULL, &type, &err), &err, SOTER_STATUS_INVALID_ARGUMENT, NULL);

    soter_string_free(attk_pem);
    soter_test_key_pair_free(attk);
    soter_wechat_client_free(c);
    soter_emulator_free(emu);
}

int main(void) {
    CHECK(soter_test_key_pair_generate(2048, &ask_pair, NULL) == SOTER_STATUS_OK);
    CHECK(soter_device_new(2048, &dev, NULL) == SOTER_STATUS_OK);
    CHECK(soter_device_new(2048, &other, NULL) == SOTER_STATUS_OK);
    test_sample_chain();
    test_self_made_chain_and_auth_key();
    test_classic_through_emulator();
    soter_device_free(dev);
    soter_device_free(other);
    soter_test_key_pair_free(ask_pair);
    printf("C ASK ABI: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
