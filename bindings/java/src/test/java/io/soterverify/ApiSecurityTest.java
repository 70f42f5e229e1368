package io.soterverify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.soterverify.testing.Device;
import io.soterverify.testing.SignedData;
import io.soterverify.testing.WeChatEmulator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** WeChat's API security mode: the published getuserriskrank example, and the emulator. */
class ApiSecurityTest {
    static final Path DIR = TestSupport.vectors().resolve("../wechat-api-security").normalize();
    static JsonNode v;

    @BeforeAll
    static void load() throws Exception {
        v = new ObjectMapper().readTree(Files.readAllBytes(DIR.resolve("getuserriskrank.json")));
    }

    static String s(JsonNode n, String k) {
        return n.get(k).asText();
    }

    static ApiSecurity sec(boolean certs) {
        ApiSecurity.Builder b = ApiSecurity.builder(s(v, "appid"))
                .symKey(s(v, "sym_key_base64"), s(v, "sym_sn"))
                .appPrivateKey(s(v, "app_private_key_pem"), s(v, "app_key_sn"));
        if (certs) {
            b.platformCert(s(v, "platform_cert_sn"), s(v, "platform_cert_pem"));
        }
        return b.build();
    }

    static Map<String, String> responseHeaders() {
        Map<String, String> h = new LinkedHashMap<>();
        v.get("response").get("headers").fields().forEachRemaining(e -> h.put(e.getKey(), e.getValue().asText()));
        return h;
    }

    @Test
    void sealReproducesThePublishedBody() throws Exception {
        JsonNode req = v.get("request");
        String params = "{\"appid\":\"wxba6223c06417af7b\",\"openid\":\"oEWzBfmdLqhFS2mTXCo2E4Y9gJAM\",\"scene\":0,\"client_ip\":\"127.0.0.1\"}";
        try (ApiSecurity sec = sec(true)) {
            ApiSecurity.Sealed sealed = sec.seal(s(v, "url"), params, 1635927954L, s(req, "nonce"),
                    Base64.getDecoder().decode(s(req, "iv_base64")));
            assertEquals(s(req, "body"), sealed.body());
            assertEquals("1635927954", sealed.headers().get("Wechatmp-TimeStamp"));
            assertEquals(s(v, "app_key_sn"), sealed.headers().get("Wechatmp-Serial"));
            PublicKey pub = PublicKey.load(Files.readAllBytes(DIR.resolve("app_public_key.pem")));
            byte[] signed = (s(v, "url") + "\n" + s(v, "appid") + "\n1635927954\n" + sealed.body()).getBytes(StandardCharsets.UTF_8);
            assertTrue(pub.verify(signed, s(req, "signature_base64"), 32));
            assertTrue(pub.verify(signed, sealed.headers().get("Wechatmp-Signature"), 32));
        }
    }

    @Test
    void openGivesTheDocumentedJson() {
        try (ApiSecurity sec = sec(true)) {
            String got = sec.open(s(v, "url"), s(v.get("response"), "body"), responseHeaders(), 1635927960L);
            assertEquals("{\"errcode\":0,\"errmsg\":\"getuserriskrank succ\",\"risk_rank\":0,\"unoin_id\":2258658297}", got);
        }
    }

    @Test
    void eachFaultHasItsError() {
        String url = s(v, "url");
        String body = s(v.get("response"), "body");
        Map<String, String> h = responseHeaders();
        try (ApiSecurity sec = sec(true); ApiSecurity bare = sec(false)) {
            SoterException e = assertThrows(SignatureInvalidException.class,
                    () -> sec.open(url, body.replace("\"iv\":\"r", "\"iv\":\"R"), h, 1635927960L));
            assertEquals("API security: the response signature does not verify", e.getMessage());
            e = assertThrows(SignatureInvalidException.class, () -> sec.open(url, body, h, 1635927956L + 301));
            assertEquals("API security: the response timestamp is more than 300 s from now", e.getMessage());
            e = assertThrows(SignatureInvalidException.class, () -> bare.open(url, body, h, 1635927960L));
            assertEquals("API security: unknown platform certificate serial", e.getMessage());
            e = assertThrows(SignatureInvalidException.class,
                    () -> sec.open("https://api.weixin.qq.com/wxa/other", body, h, 1635927960L));
            assertEquals("API security: the response signature does not verify", e.getMessage());
            assertFalse(sec.toString().contains(s(v, "sym_key_base64")));
        }
    }

    @Test
    void endToEndOnTheEmulator() {
        try (WeChatEmulator emu = WeChatEmulator.builder("wx0123456789abcdef", "secret").apiSecurity(true).start();
                ApiSecurity sec = emu.apiSecurity();
                Device dev = Device.create()) {
            assertTrue(sec.seals("/cgi-bin/soter/verify_signature"));
            emu.registerDevice("o1", dev);
            SignedData signed = dev.signResult(Soter.newChallenge());
            try (WeChatClient c = WeChatClient.builder("wx0123456789abcdef", "secret").baseUrl(emu.baseUrl()).apiSecurity(sec).build()) {
                assertTrue(c.soterVerifySignature("o1", signed.json(), signed.signature()));
            }
            try (WeChatClient plain = WeChatClient.builder("wx0123456789abcdef", "secret").baseUrl(emu.baseUrl()).build()) {
                WeChatApiException e = assertThrows(WeChatApiException.class,
                        () -> plain.soterVerifySignature("o1", signed.json(), signed.signature()));
                assertEquals(40230, e.errcode());
            }
            assertThrows(ConfigException.class,
                    () -> WeChatClient.builder("wx_other", "s").baseUrl(emu.baseUrl()).apiSecurity(sec).build());
        }
    }
}
