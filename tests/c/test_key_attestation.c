/*
 * Android key attestation from C (C11 and C++17, -Werror): real Google-rooted chains (Pixel 8a
 * with the RSA root, Pixel 9a with the 2026 P-384 root), the decoded fields through the
 * accessors and the JSON, revocation, trust, validity and hostile input. Prints
 * "N passed, M failed"; exits non-zero on any failure.
 */
#include "soter_verify.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Inside the validity of every certificate of each chain. */
static const int64_t AT_AKITA = 1727237961;
static const int64_t AT_TEGU = 1772324168;

static void test_real_chains(void) {
    size_t len = 0;
    char *pem = read_vector("../android-keyattestation/akita/sdk34/TEE_RSA_BASE+IMEI.pem", &len);
    SoterBytes chain[1] = {{U8(pem), len}};
    SoterKeyAttestation *ka = NULL;
    SoterError *err = NULL;
    CHECK(soter_verify_key_attestation(chain, 1, NULL, 0, true, AT_AKITA, NULL, 0, &ka, &err) == SOTER_STATUS_OK);
    CHECK(err == NULL);
    CHECK(soter_key_attestation_version(ka) == 300);
    CHECK(soter_key_attestation_security_level(ka) == SOTER_SECURITY_LEVEL_TEE);
    CHECK(soter_key_attestation_keymint_security_level(ka) == SOTER_SECURITY_LEVEL_TEE);
    const uint8_t *p = NULL;
    size_t n = 0;
    CHECK(soter_key_attestation_challenge(ka, &p, &n) == SOTER_STATUS_OK);
    CHECK(n == 9 && memcmp(p, "challenge", 9) == 0);
    CHECK(soter_key_attestation_public_key(ka, &p, &n) == SOTER_STATUS_OK);
    CHECK(n > 256 && p[0] == 0x30);
    CHECK(soter_key_attestation_json(ka, &p, &n) == SOTER_STATUS_OK);
    {
        char *json = (char *)malloc(n + 1);
        memcpy(json, p, n);
        json[n] = 0;
        /* The IMEI attestation ID (hex of "351163520096208"), origin GENERATED (0), purposes [SIGN]. */
        CHECK(strstr(json, "\"attestation_id_imei\":\"333531313633353230303936323038\"") != NULL);
        CHECK(strstr(json, "\"origin\":0") != NULL);
        CHECK(strstr(json, "\"purposes\":[2]") != NULL);
        CHECK(strstr(json, "\"attestation_security_level\":\"tee\"") != NULL);
        free(json);
    }
    soter_key_attestation_free(ka);
    ka = NULL;

    /* A status list naming the device certificate's serial: revoked. */
    const char *list = "{\"entries\":{\"298fc02a1512e6928fa6f8ef28c55cc1\":{\"status\":\"REVOKED\",\"reason\":\"KEY_COMPROMISE\"}}}";
    check_refused(soter_verify_key_attestation(chain, 1, NULL, 0, true, AT_AKITA, U8(list), strlen(list), &ka, &err), &err,
           SOTER_STATUS_CERTIFICATE_REVOKED, "certificate #1");
    CHECK(ka == NULL);
    CHECK(strcmp(soter_status_name(SOTER_STATUS_CERTIFICATE_REVOKED), "SOTER_STATUS_CERTIFICATE_REVOKED") == 0);
    const char *other = "{\"entries\":{\"abcdef\":{\"status\":\"SUSPENDED\"}}}";
    CHECK(soter_verify_key_attestation(chain, 1, NULL, 0, true, AT_AKITA, U8(other), strlen(other), &ka, &err) == SOTER_STATUS_OK);
    soter_key_attestation_free(ka);
    ka = NULL;
    check_refused(soter_verify_key_attestation(chain, 1, NULL, 0, true, AT_AKITA, U8("[]"), 2, &ka, &err), &err, SOTER_STATUS_INVALID_JSON, "entries");

    /* Outside the validity; truncated; NULL arguments. */
    check_refused(soter_verify_key_attestation(chain, 1, NULL, 0, true, AT_AKITA + 90 * 86400, NULL, 0, &ka, &err), &err,
           SOTER_STATUS_CERTIFICATE_INVALID, "expired");
    SoterBytes cut[1] = {{U8(pem), len / 2}};
    check_refused(soter_verify_key_attestation(cut, 1, NULL, 0, true, AT_AKITA, NULL, 0, &ka, &err), &err, SOTER_STATUS_CERTIFICATE_INVALID, NULL);
    check_refused(soter_verify_key_attestation(NULL, 1, NULL, 0, true, AT_AKITA, NULL, 0, &ka, &err), &err, SOTER_STATUS_INVALID_ARGUMENT, "certs");
    check_refused(soter_verify_key_attestation(chain, 1, NULL, 0, true, AT_AKITA, NULL, 0, NULL, &err), &err, SOTER_STATUS_INVALID_ARGUMENT, "out");
    CHECK(soter_key_attestation_security_level(NULL) == -1);
    soter_key_attestation_free(NULL);
    free(pem);

    /* The 2026 ECDSA P-384 root (a TEE chain). */
    pem = read_vector("../android-keyattestation/tegu/sdk36/TEE_EC_2026_ROOT.pem", &len);
    SoterBytes chain2[1] = {{U8(pem), len}};
    CHECK(soter_verify_key_attestation(chain2, 1, NULL, 0, true, AT_TEGU, NULL, 0, &ka, &err) == SOTER_STATUS_OK);
    CHECK(soter_key_attestation_version(ka) == 400);
    soter_key_attestation_free(ka);
    ka = NULL;
    free(pem);
}

/* The chain without its root: sound but untrusted. */
static void test_chain_without_its_root(void) {
    size_t len = 0;
    char *pem = read_vector("../android-keyattestation/tegu/sdk36/TEE_EC_2026_ROOT.pem", &len);
    /* Cut before the fifth certificate (the root). */
    char *p = pem;
    for (int i = 0; i < 4 && p; i++) {
        p = strstr(p, "-----END CERTIFICATE-----");
        if (p) p += 25;
    }
    CHECK(p != NULL);
    if (!p) return;
    SoterBytes chain[1] = {{U8(pem), (size_t)(p - pem)}};
    SoterKeyAttestation *ka = NULL;
    SoterError *err = NULL;
    check_refused(soter_verify_key_attestation(chain, 1, NULL, 0, true, AT_TEGU, NULL, 0, &ka, &err), &err, SOTER_STATUS_UNTRUSTED_ROOT, "missing");
    CHECK(ka == NULL);
    free(pem);
}

/* The Huawei sample ASK chain under the policy entry point: relaxation flags, revocation. */
static void test_ask_chain_policy(void) {
    const char *dir = getenv("SOTER_VECTORS");
    char path[1024];
    snprintf(path, sizeof path, "%s/ask_cert_json.txt", dir ? dir : "tests/vectors/tencent-soter-sample");
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f) return;
    char *chain = (char *)malloc(1 << 16);
    size_t len = fread(chain, 1, (1 << 16) - 1, f);
    fclose(f);
    const int64_t at = 1767225600;
    SoterAsk *ask = NULL;
    SoterError *err = NULL;
    CHECK(soter_verify_ask_chain_policy(U8(chain), len, NULL, 0, true, at, 0, NULL, 0, &ask, &err) == SOTER_STATUS_OK);
    soter_ask_free(ask);
    ask = NULL;
    CHECK(soter_verify_ask_chain_policy(U8(chain), len, NULL, 0, true, at,
                                        SOTER_POLICY_ALLOW_SOFTWARE | SOTER_POLICY_ANY_ORIGIN | SOTER_POLICY_ANY_PURPOSE,
                                        NULL, 0, &ask, &err) == SOTER_STATUS_OK);
    soter_ask_free(ask);
    ask = NULL;
    check_refused(soter_verify_ask_chain_policy(U8(chain), len, NULL, 0, true, at, 8, NULL, 0, &ask, &err), &err,
           SOTER_STATUS_INVALID_ARGUMENT, "policy_flags");
    /* The Huawei device certificate's serial listed. */
    const char *list = "{\"entries\":{\"2018042515095541DCF7433590C5624E\":{\"status\":\"REVOKED\"}}}";
    check_refused(soter_verify_ask_chain_policy(U8(chain), len, NULL, 0, true, at, 0, U8(list), strlen(list), &ask, &err), &err,
           SOTER_STATUS_CERTIFICATE_REVOKED, "certificate #1");
    CHECK(ask == NULL);
    free(chain);
}

int main(void) {
    test_real_chains();
    test_chain_without_its_root();
    test_ask_chain_policy();
    printf("C key attestation ABI: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
