/*
 * WeChat's server API security mode from C (C11 and C++17, -Werror): WeChat's published
 * getuserriskrank example (tests/vectors/wechat-api-security, found beside $SOTER_VECTORS) and a
 * sealed call end to end on the in-process emulator. Prints "N passed, M failed".
 */
#include "soter_verify.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S(s) U8(s), strlen(s)

/* The whole file, NUL-terminated (the caller frees it). */
static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = (char *)malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    buf[got] = '\0';
    return buf;
}

/* The string value of the first `"key": "..."` after `from`, unescaped (\n, \", \\ only: all the
 * vector uses); caller frees. Enough JSON for one known file, not a parser. */
static char *field(const char *doc, const char *from, const char *key) {
    const char *p = strstr(doc, from);
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\": \"", key);
    p = p ? strstr(p, pat) : NULL;
    if (!p) return NULL;
    p += strlen(pat);
    char *out = (char *)malloc(strlen(p) + 1);
    size_t n = 0;
    for (; *p && *p != '"'; p++) {
        if (*p == '\\') {
            p++;
            out[n++] = *p == 'n' ? '\n' : *p;
        } else {
            out[n++] = *p;
        }
    }
    out[n] = '\0';
    return out;
}

/* `err` is read after the call (hence a pointer to it). */
static void expect_refused(SoterStatus st, SoterError **slot, SoterStatus want, const char *message) {
    SoterError *err = *slot;
    *slot = NULL;
    CHECK(st == want);
    CHECK(err != NULL && strcmp(soter_error_message(err), message) == 0);
    if (err && strcmp(soter_error_message(err), message) != 0) fprintf(stderr, "  got: %s\n", soter_error_message(err));
    soter_error_free(err);
}

static void vector(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/../wechat-api-security/getuserriskrank.json", dir);
    char *doc = slurp(path);
    CHECK(doc != NULL);
    if (!doc) return;
    char *appid = field(doc, "{", "appid"), *url = field(doc, "{", "url");
    char *key = field(doc, "{", "sym_key_base64"), *sym_sn = field(doc, "{", "sym_sn");
    char *pk = field(doc, "{", "app_private_key_pem"), *app_sn = field(doc, "{", "app_key_sn");
    char *cert_sn = field(doc, "{", "platform_cert_sn"), *cert = field(doc, "{", "platform_cert_pem");
    char *nonce = field(doc, "\"request\"", "nonce"), *req_body = field(doc, "\"request\"", "body");
    char *req_sig = field(doc, "\"request\"", "signature_base64");
    char *resp_body = field(doc, "\"response\"", "body"), *resp_sig = field(doc, "\"response\"", "Wechatmp-Signature");

    SoterApiSecurity *bare = NULL, *sec = NULL;
    SoterError *err = NULL;
    CHECK(soter_api_security_new(S(appid), S(key), S(sym_sn), S(pk), S(app_sn), &bare, &err) == SOTER_STATUS_OK);
    CHECK(soter_api_security_with_platform_cert(bare, S(cert_sn), S(cert), &sec, &err) == SOTER_STATUS_OK);
    CHECK(soter_api_security_seals(sec, S("/wxa/getuserriskrank")));
    CHECK(!soter_api_security_seals(sec, S("/cgi-bin/soter/verify_signature")));
    SoterApiSecurity *more = NULL;
    CHECK(soter_api_security_with_path(sec, S("/cgi-bin/soter/verify_signature"), &more, &err) == SOTER_STATUS_OK);
    CHECK(soter_api_security_seals(more, S("/cgi-bin/soter/verify_signature")));
    CHECK(!soter_api_security_seals(sec, S("/cgi-bin/soter/verify_signature"))); /* sec itself unchanged */
    CHECK(soter_api_security_with_path(sec, S("no-slash"), &more, &err) == SOTER_STATUS_INVALID_INPUT);
    soter_error_free(err);
    err = NULL;
    soter_api_security_free(more);

    /* seal with the published nonce, IV and timestamp: the published body, byte for byte. */
    const uint8_t iv[12] = {0x7e, 0x65, 0xbf, 0xcc, 0xdc, 0x57, 0x97, 0x2b, 0x54, 0x64, 0x18, 0x23}; /* fmW/zNxXlytUZBgj */
    const char *params = "{\"appid\":\"wxba6223c06417af7b\",\"openid\":\"oEWzBfmdLqhFS2mTXCo2E4Y9gJAM\",\"scene\":0,\"client_ip\":\"127.0.0.1\"}";
    char *body = NULL, *headers = NULL;
    size_t body_len = 0, headers_len = 0;
    CHECK(soter_api_security_seal(sec, S(url), S(params), 1635927954, S(nonce), iv, &body, &body_len, &headers, &headers_len, &err) == SOTER_STATUS_OK);
    CHECK(body && strcmp(body, req_body) == 0 && body_len == strlen(req_body));
    CHECK(headers && strstr(headers, "\"Wechatmp-TimeStamp\":\"1635927954\"") != NULL);

    /* The published request signature verifies with the key's public half (salt 32). */
    char pub_path[4096];
    snprintf(pub_path, sizeof pub_path, "%s/../wechat-api-security/app_public_key.pem", dir);
    char *pub_pem = slurp(pub_path);
    SoterKey *pub = NULL;
    CHECK(pub_pem && soter_key_load(S(pub_pem), &pub, &err) == SOTER_STATUS_OK);
    char signed_text[2048];
    snprintf(signed_text, sizeof signed_text, "%s\n%s\n%d\n%s", url, appid, 1635927954, req_body);
    uint32_t salt = 0;
    CHECK(soter_key_verify(pub, S(signed_text), S(req_sig), 32, &salt, &err) == SOTER_STATUS_OK && salt == 32);

    /* open of the published response (now fixed): the documented JSON. */
    char hdrs[1024];
    snprintf(hdrs, sizeof hdrs,
             "{\"Wechatmp-Appid\":\"%s\",\"Wechatmp-TimeStamp\":\"1635927956\",\"Wechatmp-Serial\":\"%s\",\"Wechatmp-Signature\":\"%s\"}",
             appid, cert_sn, resp_sig);
    char *plain = NULL;
    size_t plain_len = 0;
    CHECK(soter_api_security_open(sec, S(url), S(resp_body), S(hdrs), 1635927960, &plain, &plain_len, &err) == SOTER_STATUS_OK);
    CHECK(plain && strcmp(plain, "{\"errcode\":0,\"errmsg\":\"getuserriskrank succ\",\"risk_rank\":0,\"unoin_id\":2258658297}") == 0);
    soter_string_free(plain);

    /* Each fault refused with its own error. */
    char *tampered = (char *)malloc(strlen(resp_body) + 1);
    memcpy(tampered, resp_body, strlen(resp_body) + 1);
    tampered[8] = tampered[8] == 'r' ? 'R' : 'r';
    expect_refused(soter_api_security_open(sec, S(url), S(tampered), S(hdrs), 1635927960, &plain, NULL, &err), &err,
                   SOTER_STATUS_SIGNATURE_INVALID, "API security: the response signature does not verify");
    expect_refused(soter_api_security_open(sec, S(url), S(resp_body), S(hdrs), 1635927956 + 301, &plain, NULL, &err), &err,
                   SOTER_STATUS_SIGNATURE_INVALID, "API security: the response timestamp is more than 300 s from now");
    expect_refused(soter_api_security_open(bare, S(url), S(resp_body), S(hdrs), 1635927960, &plain, NULL, &err), &err,
                   SOTER_STATUS_SIGNATURE_INVALID, "API security: unknown platform certificate serial");
    expect_refused(soter_api_security_open(sec, S("https://api.weixin.qq.com/wxa/other"), S(resp_body), S(hdrs), 1635927960, &plain, NULL, &err), &err,
                   SOTER_STATUS_SIGNATURE_INVALID, "API security: the response signature does not verify");
    free(tampered);
    /* Never the keys in a message. */
    CHECK(soter_api_security_new(S(appid), S("c2hvcnQ="), S(sym_sn), S(pk), S(app_sn), &bare, &err) == SOTER_STATUS_INVALID_INPUT);
    CHECK(err && strstr(soter_error_message(err), "c2hvcnQ") == NULL);
    soter_error_free(err);

    soter_key_free(pub);
    free(pub_pem);
    soter_string_free(body);
    soter_string_free(headers);
    soter_api_security_free(sec);
    soter_api_security_free(bare);
    char *all[] = {appid, url, key, sym_sn, pk, app_sn, cert_sn, cert, nonce, req_body, req_sig, resp_body, resp_sig, doc};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]);
}

static void end_to_end(void) {
    const char *appid = "wx0123456789abcdef";
    SoterEmulatorOptions eo;
    memset(&eo, 0, sizeof eo);
    eo.api_security = true;
    SoterEmulator *emu = NULL;
    SoterError *err = NULL;
    CHECK(soter_emulator_start(S(appid), S("secret"), &eo, &emu, &err) == SOTER_STATUS_OK);
    SoterApiSecurity *sec = NULL;
    CHECK(soter_emulator_api_security(emu, &sec, &err) == SOTER_STATUS_OK);
    CHECK(soter_api_security_seals(sec, S("/cgi-bin/soter/verify_signature")));

    SoterDevice *dev = NULL;
    CHECK(soter_device_new(2048, &dev, &err) == SOTER_STATUS_OK);
    char *pem = NULL;
    CHECK(soter_device_public_key_pem(dev, &pem, NULL, &err) == SOTER_STATUS_OK);
    CHECK(soter_emulator_register_device(emu, S("o1"), S(pem), &err) == SOTER_STATUS_OK);
    char challenge[SOTER_CHALLENGE_LEN + 1];
    CHECK(soter_new_challenge(challenge, sizeof challenge, NULL, NULL) == SOTER_STATUS_OK);
    char *json = NULL, *sig = NULL;
    CHECK(soter_device_sign_result(dev, S(challenge), 20, &json, NULL, &sig, NULL, &err) == SOTER_STATUS_OK);

    SoterClientOptions o;
    soter_client_options_init(&o);
    const char *base = soter_emulator_base_url(emu);
    o.base_url = U8(base);
    o.base_url_len = strlen(base);
    o.api_security = sec;
    SoterWechatClient *sealed = NULL, *plain = NULL;
    CHECK(soter_wechat_client_new(S(appid), S("secret"), &o, &sealed, &err) == SOTER_STATUS_OK);
    o.api_security = NULL;
    CHECK(soter_wechat_client_new(S(appid), S("secret"), &o, &plain, &err) == SOTER_STATUS_OK);
    bool ok = false;
    CHECK(soter_wechat_soter_verify_signature(sealed, S("o1"), S(json), S(sig), &ok, &err) == SOTER_STATUS_OK && ok);
    /* Unsealed on a sealed path: WeChat's 40230. */
    CHECK(soter_wechat_soter_verify_signature(plain, S("o1"), S(json), S(sig), &ok, &err) == SOTER_STATUS_WECHAT_API);
    int64_t code = 0;
    CHECK(err && soter_error_errcode(err, &code) && code == 40230);
    soter_error_free(err);
    err = NULL;
    /* Another appid's client cannot take this setting. */
    o.api_security = sec;
    SoterWechatClient *other = NULL;
    CHECK(soter_wechat_client_new(S("wx_other"), S("secret"), &o, &other, &err) == SOTER_STATUS_CONFIG && other == NULL);
    soter_error_free(err);

    soter_string_free(json);
    soter_string_free(sig);
    soter_string_free(pem);
    soter_device_free(dev);
    soter_wechat_client_free(sealed);
    soter_wechat_client_free(plain);
    soter_api_security_free(sec);
    soter_emulator_free(emu);
}

int main(void) {
    const char *dir = getenv("SOTER_VECTORS");
    CHECK(dir != NULL);
    if (dir) vector(dir);
    end_to_end();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
