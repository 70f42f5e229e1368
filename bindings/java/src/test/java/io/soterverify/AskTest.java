package io.soterverify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.soterverify.testing.Device;
import io.soterverify.testing.Fault;
import io.soterverify.testing.SignedData;
import io.soterverify.testing.TestKeyPair;
import io.soterverify.testing.TestRoot;
import io.soterverify.testing.WeChatEmulator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Trusting the ASK: the real Huawei chain, tampering, trust through roots, validity, attestation
 * content, hostile input, the AuthKey step against the ASK's device, and classic ASKs through the
 * emulator's verify_ask and is_support.
 */
class AskTest {
    static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");
    static final String CPU = "HUAWEI_HWLYA_b3161401-62fa-4d9b-a102-e12a79d814a6-54843a61";

    static byte[] chainJson;
    static List<byte[]> ders;
    static TestRoot root;
    static TestKeyPair askKey;

    @BeforeAll
    static void load() throws Exception {
        chainJson = Files.readAllBytes(TestSupport.vectors().resolve("ask_cert_json.txt"));
        String text = new String(chainJson, StandardCharsets.UTF_8).replace("\\n", "\n").replace("\\/", "/");
        Matcher m = Pattern.compile("-----BEGIN CERTIFICATE-----\n(.*?)-----END CERTIFICATE-----", Pattern.DOTALL)
                .matcher(text);
        ders = new ArrayList<>();
        while (m.find()) {
            ders.add(Base64.getMimeDecoder().decode(m.group(1)));
        }
        assertEquals(4, ders.size());
        root = TestRoot.generate();
        askKey = TestKeyPair.generate(2048);
    }

    @AfterAll
    static void free() {
        root.close();
        askKey.close();
    }

    @Test
    void theRealChainVerifiesWithTheBuiltinRoot() throws Exception {
        try (Ask ask = Soter.verifyAskChain(chainJson, List.of(), AT)) {
            assertEquals(Ask.Format.CERTIFICATE_CHAIN, ask.format());
            assertEquals(CPU, ask.cpuId());
            assertEquals("10147", ask.uid());
            assertEquals(88, ask.counter());
            assertEquals(OptionalInt.of(32), ask.rsaPssSaltlen());
            assertEquals(2048, ask.publicKey().bits());
            assertEquals(4, ask.subjects().size());
            assertEquals("CN=A Keymaster Key", ask.subjects().get(0));
            assertEquals("ce6e5dcf8859401b2c65d04246d675d45b7531f81f997c1ae8dc73fa83135fb9", ask.rootSpkiSha256().get());
            assertTrue(ask.signedJson().contains("\"counter\":88"));
            assertTrue(ask.toString().contains("10147"));
        }
        try (Ask ask = Soter.verifyAskChain(ders, List.of(), AT)) {
            assertEquals(88, ask.counter());
        }
    }

    @Test
    void tamperingRootRemovedAndValidity() {
        for (int i = 0; i < 4; i++) {
            List<byte[]> bad = new ArrayList<>(ders);
            byte[] b = bad.get(i).clone();
            b[b.length - 10] ^= 1;
            bad.set(i, b);
            CertificateInvalidException e = assertThrows(CertificateInvalidException.class,
                    () -> Soter.verifyAskChain(bad, List.of(), AT));
            assertFalse(e instanceof UntrustedRootException);
            assertTrue(e.getMessage().contains("certificate #" + i), e.getMessage());
        }
        UntrustedRootException u = assertThrows(UntrustedRootException.class,
                () -> Soter.verifyAskChain(ders.subList(0, 3), List.of(), AT));
        assertTrue(u.getMessage().contains("Equipment CA"));
        CertificateInvalidException exp = assertThrows(CertificateInvalidException.class,
                () -> Soter.verifyAskChain(chainJson, List.of(), Instant.parse("2028-06-01T00:00:00Z")));
        assertTrue(exp.getMessage().contains("expired"));
    }

    @Test
    void topLevelFieldsMustMatchAndHostileInput() throws Exception {
        String text = new String(chainJson, StandardCharsets.UTF_8).trim();
        String withUid = text.substring(0, text.length() - 1) + ",\"uid\":\"99\"}";
        assertTrue(assertThrows(CertificateInvalidException.class,
                () -> Soter.verifyAskChain(withUid, List.of(), AT)).getMessage().contains("uid"));
        String ok = text.substring(0, text.length() - 1) + ",\"uid\":10147,\"counter\":88}";
        try (Ask ask = Soter.verifyAskChain(ok, List.of(), AT)) {
            assertEquals("10147", ask.uid());
        }
        assertThrows(CertificateInvalidException.class, () -> Soter.verifyAskChain("{\"certs\":[]}", List.of(), AT));
        assertThrows(CertificateInvalidException.class, () -> Soter.verifyAskChain(List.of(), List.of(), AT));
        List<byte[]> hundred = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            hundred.add(ders.get(0));
        }
        assertThrows(CertificateInvalidException.class, () -> Soter.verifyAskChain(hundred, List.of(), AT));
        byte[] big = new byte[(1 << 20) + 5];
        big[0] = 0x30;
        big[1] = (byte) 0x83;
        big[2] = 0x10;
        assertThrows(InputTooLargeException.class, () -> Soter.verifyAskChain(List.of(big), List.of(), AT));
        assertThrows(CertificateInvalidException.class,
                () -> Soter.verifyAskChain(List.of(ders.get(0), ders.get(1), ders.get(2), ders.get(1)), List.of(), AT));
        byte[] bomb = {0x30, (byte) 0x84, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x30, 0x00};
        assertThrows(CertificateInvalidException.class, () -> Soter.verifyAskChain(List.of(bomb), List.of(), AT));
        assertThrows(InvalidJsonException.class, () -> Soter.verifyAskChain("{\"certs\":1}", List.of(), AT));
        assertThrows(InvalidArgumentException.class,
                () -> Soter.verifyAskChain(chainJson, List.of(), Instant.parse("1969-01-01T00:00:00Z")));
        assertThrows(NullPointerException.class, () -> Soter.verifyAskChain((byte[]) null, List.of(), AT));
    }

    @Test
    void selfMadeChainUntrustedThenTrustedAndTheAuthKeyStep() throws Exception {
        try (Device dev = Device.create(); Device other = Device.create()) {
            String chain = dev.askChain(askKey, root, true, 32);
            assertThrows(UntrustedRootException.class, () -> Soter.verifyAskChain(chain, List.of(), null));
            try (Ask ask = Soter.verifyAskChain(chain, List.of(root.rootPem()), null)) {
                assertEquals(dev.cpuId(), ask.cpuId());
                assertEquals(OptionalInt.of(32), ask.rsaPssSaltlen());
                SignedData ak = dev.signedAuthKey(askKey, 32);
                try (AuthKey authKey = Soter.verifyAuthKey(ask, ak.json(), ak.signature())) {
                    assertEquals(dev.cpuId(), authKey.cpuId());
                }
                SignedData ak20 = dev.signedAuthKey(askKey);
                assertThrows(SignatureInvalidException.class, () -> Soter.verifyAuthKey(ask, ak20.json(), ak20.signature()));
                SignedData otherAk = other.signedAuthKey(askKey, 32);
                assertThrows(DeviceMismatchException.class,
                        () -> Soter.verifyAuthKey(ask, otherAk.json(), otherAk.signature()));
                // Stored and rebuilt.
                try (PublicKey k = PublicKey.load(ask.publicKey().toPem());
                        Ask stored = Ask.fromStored(k, ask.cpuId(), ask.uid(), 0, OptionalInt.of(32),
                                Ask.Format.CERTIFICATE_CHAIN)) {
                    assertTrue(stored.subjects().isEmpty());
                    Soter.verifyAuthKey(stored, ak.json(), ak.signature()).close();
                    assertThrows(DeviceMismatchException.class,
                            () -> Soter.verifyAuthKey(stored, otherAk.json(), otherAk.signature()));
                }
            }
            CertificateInvalidException expired = assertThrows(CertificateInvalidException.class,
                    () -> Soter.verifyAskChain(chain, List.of(root.rootPem()), Instant.parse("2050-06-01T00:00:00Z")));
            assertTrue(expired.getMessage().contains("expired"));
            String bare = dev.askChain(askKey, root, false, -1);
            assertTrue(assertThrows(CertificateInvalidException.class,
                    () -> Soter.verifyAskChain(bare, List.of(root.rootPem()), null)).getMessage().contains("no key-attestation"));
        }
        Ask closed = Soter.verifyAskChain(chainJson, List.of(), AT);
        closed.close();
        closed.close();
        assertTrue(closed.isClosed() && closed.publicKey().isClosed());
        assertThrows(IllegalStateException.class, () -> Soter.verifyAuthKey(closed, "{}", "x"));
    }

    @Test
    void aCertificateLoadsAsItsSubjectKey() throws Exception {
        try (PublicKey k = PublicKey.load(ders.get(0)); Ask ask = Soter.verifyAskChain(ders, List.of(), AT)) {
            assertEquals(ask.publicKey().toPem(), k.toPem());
        }
        String spki = new String(Files.readAllBytes(TestSupport.vectors().resolve("ask.pem")), StandardCharsets.UTF_8);
        String mangled = spki.replace("-----BEGIN PUBLIC KEY-----", "-----BEGIN CERTIFICATE----")
                .replace("END PUBLIC KEY", "END CERTIFICATE");
        try (PublicKey a = PublicKey.load(mangled.getBytes(StandardCharsets.UTF_8));
                PublicKey b = PublicKey.load(spki.getBytes(StandardCharsets.UTF_8))) {
            assertEquals(a.toPem(), b.toPem());
        }
    }

    @Test
    void classicAskThroughTheEmulatorAndFullEnrollment() throws Exception {
        try (WeChatEmulator wechat = WeChatEmulator.start("wx0123456789abcdef", "ask-test-secret");
                TestKeyPair attk = TestKeyPair.generate(2048);
                TestKeyPair wrong = TestKeyPair.generate(2048);
                Device dev = Device.create();
                WeChatClient client = WeChatClient.builder("wx0123456789abcdef", "ask-test-secret")
                        .baseUrl(wechat.baseUrl()).backoff(java.time.Duration.ofMillis(5), java.time.Duration.ofMillis(20))
                        .build()) {
            wechat.registerAttk(attk.publicKeyPem());
            wechat.registerModel("HUAWEI-ELS-AN00", 3);
            SignedData upload = dev.classicAsk(askKey, attk);
            try (Ask ask = client.soterVerifyAsk(upload.json(), upload.signature())) {
                assertEquals(Ask.Format.CLASSIC, ask.format());
                assertEquals(dev.cpuId(), ask.cpuId());
                SignedData ak = dev.signedAuthKey(askKey);
                try (AuthKey authKey = Soter.verifyAuthKey(ask, ak.json(), ak.signature())) {
                    String challenge = Soter.newChallenge();
                    SignedData r = dev.signResult(challenge);
                    ResultJson res = Soter.authenticate(authKey.publicKey(), r.json(), r.signature(),
                            Expectations.builder(challenge).cpuId(authKey.cpuId()).uid(authKey.uid()).build());
                    assertEquals(dev.cpuId(), res.cpuId());
                }
            }
            String forged = upload.json().replace("\"uid\":\"" + dev.uid() + "\"", "\"uid\":\"99999\"");
            assertNotEquals(upload.json(), forged);
            assertThrows(SignatureInvalidException.class, () -> client.soterVerifyAsk(forged, upload.signature()));
            SignedData wrongUpload = dev.classicAsk(askKey, wrong);
            assertThrows(SignatureInvalidException.class,
                    () -> client.soterVerifyAsk(wrongUpload.json(), wrongUpload.signature()));
            assertThrows(InvalidJsonException.class, () -> client.soterVerifyAsk("{}", upload.signature()));
            wechat.injectFault(Fault.SYSTEM_BUSY, -1, "/cgi-bin/soter_3rdapp/verify_ask");
            WeChatApiException busy = assertThrows(WeChatApiException.class,
                    () -> client.soterVerifyAsk(upload.json(), upload.signature()));
            assertEquals(-1, busy.errcode());
            wechat.clearFaults();
            SoterSupport s = client.soterIsSupport("HUAWEI-ELS-AN00");
            assertTrue(s.isSupport());
            assertEquals(3, s.supportType());
            assertFalse(client.soterIsSupport("unknown").isSupport());
            assertThrows(InvalidInputException.class, () -> wechat.registerModel("x", 4));
            assertThrows(InvalidKeyException.class, () -> wechat.registerAttk("nope"));
        }
    }
}
