package io.soterverify;

import static io.soterverify.TestSupport.b64;
import static io.soterverify.TestSupport.pem;
import static io.soterverify.TestSupport.sign;
import static io.soterverify.TestSupport.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPair;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SoterTest {
    static final KeyPair KP = TestSupport.rsa2048();
    static PublicKey key;

    @BeforeAll
    static void load() throws Exception {
        key = PublicKey.load(pem(KP.getPublic()));
    }

    static String json(String raw, long counter) {
        return TestSupport.resultJson(raw, counter, "cpu-1", "10115", ",\"bo_t\":\"1\"");
    }

    static String sig(String json) {
        return b64(sign(KP.getPrivate(), utf8(json), 20));
    }

    @Test
    void versionAndChallenge() throws Exception {
        assertEquals(NativeLib.ABI_VERSION, Soter.abiVersion());
        assertTrue(Soter.version().matches("\\d+\\.\\d+\\.\\d+.*"), Soter.version());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            String c = Soter.newChallenge();
            assertEquals(Soter.CHALLENGE_LEN, c.length());
            assertTrue(c.matches("[A-Za-z0-9_-]{43}"), c);
            assertTrue(seen.add(c));
        }
    }

    @Test
    void acceptsAGoodResult() throws Exception {
        String challenge = Soter.newChallenge();
        String json = json(challenge, 42);
        Expectations exp = Expectations.builder(challenge).cpuId("cpu-1").uid("10115").minCounter(42).build();
        ResultJson r = Soter.authenticate(key, utf8(json), sig(json), exp);
        assertEquals(challenge, r.raw());
        assertEquals(42, r.counter());
        assertEquals("\"1\"", r.extra().get("bo_t"));
        assertEquals(r, Soter.authenticate(key, json, sig(json), exp));
        assertEquals(r, Soter.authenticate(key, utf8(json), sign(KP.getPrivate(), utf8(json), 20), exp));
        assertEquals(r, Soter.authenticate(key, json, sig(json), Expectations.of(challenge)));
        assertEquals(r, Soter.authenticate(key, json, sig(json),
                Expectations.builder(challenge).saltLen(PublicKey.SALT_LEN_AUTO).build()));
    }

    @Test
    void eachFailureHasItsException() throws Exception {
        String json = json("chal", 10);
        String sig = sig(json);
        String other = json("chal", 11);
        SignatureInvalidException s = assertThrows(SignatureInvalidException.class,
                () -> Soter.authenticate(key, other, sig, Expectations.of("chal")));
        assertEquals(Status.SIGNATURE_INVALID, s.status());
        assertThrows(SignatureInvalidException.class, () -> Soter.authenticate(key, json, sig,
                Expectations.builder("chal").saltLen(32).build()));
        assertThrows(ChallengeMismatchException.class, () -> Soter.authenticate(key, json, sig, Expectations.of("chaL")));
        assertThrows(ChallengeMismatchException.class, () -> Soter.authenticate(key, json, sig, Expectations.of("cha")));
        assertThrows(DeviceMismatchException.class,
                () -> Soter.authenticate(key, json, sig, Expectations.builder("chal").cpuId("cpu-2").build()));
        assertThrows(DeviceMismatchException.class,
                () -> Soter.authenticate(key, json, sig, Expectations.builder("chal").uid("10116").build()));
        assertThrows(DeviceMismatchException.class,
                () -> Soter.authenticate(key, json, sig, Expectations.builder("chal").uid("").build()));
        CounterReplayException c = assertThrows(CounterReplayException.class,
                () -> Soter.authenticate(key, json, sig, Expectations.builder("chal").minCounter(11).build()));
        assertTrue(c instanceof VerificationFailedException);
        assertFalse(c.getMessage().isEmpty());
        assertEquals(10, Soter.authenticate(key, json, sig, Expectations.builder("chal").minCounter(10).build()).counter());
        // the signature is checked first: a bad signature never reveals the other checks
        assertThrows(SignatureInvalidException.class,
                () -> Soter.authenticate(key, other, sig, Expectations.builder("x").cpuId("y").minCounter(99).build()));
    }

    @Test
    void huaweiSaltLength() throws Exception {
        String json = TestSupport.resultJson("c", 1, "cpu", "u", ",\"rsa_pss_saltlen\":32");
        String sig = b64(sign(KP.getPrivate(), utf8(json), 32));
        ResultJson r = Soter.authenticate(key, json, sig, Expectations.of("c"));
        assertEquals(32, r.rsaPssSaltlen().getAsInt());
    }

    @Test
    void badInputs() throws Exception {
        String json = json("chal", 10);
        String sig = sig(json);
        assertThrows(MalformedSignatureException.class, () -> Soter.authenticate(key, json, "@@@", Expectations.of("chal")));
        assertThrows(SoterException.class, () -> Soter.authenticate(key, json, sig, Expectations.of("")));
        // Builder misuse is a programming error: unchecked, at the builder call, as the JDK's builders.
        assertThrows(IllegalArgumentException.class, () -> Expectations.builder("chal").saltLen(-7));
        IllegalArgumentException neg = assertThrows(IllegalArgumentException.class,
                () -> Expectations.builder("chal").minCounter(-1));
        assertTrue(neg.getMessage().contains("minCounter"), neg.getMessage());
        assertThrows(NullPointerException.class, () -> Expectations.builder(null));
        // The largest signed value is accepted (Python's min_counter takes 0 to 2^64-1).
        assertThrows(CounterReplayException.class,
                () -> Soter.authenticate(key, json, sig, Expectations.builder("chal").minCounter(Long.MAX_VALUE).build()));
        byte[] huge = new byte[16 << 20];
        byte[] hugeSig = sign(KP.getPrivate(), huge, 20);
        assertThrows(InputTooLargeException.class, () -> Soter.authenticate(key, huge, hugeSig, Expectations.of("chal")));
        assertThrows(SignatureInvalidException.class, () -> Soter.authenticate(key, huge, sig, Expectations.of("chal")));
        assertThrows(SoterException.class, () -> Soter.authenticate(key, new byte[0], sig, Expectations.of("chal")));
        String notJson = "hello";
        assertThrows(InvalidJsonException.class,
                () -> Soter.authenticate(key, notJson, sig(notJson), Expectations.of("chal")));
        assertThrows(NullPointerException.class, () -> Soter.authenticate(null, json, sig, Expectations.of("chal")));
        assertThrows(NullPointerException.class, () -> Soter.authenticate(key, (String) null, sig, Expectations.of("c")));
        assertThrows(NullPointerException.class, () -> Soter.authenticate(key, json, (String) null, Expectations.of("c")));
        assertThrows(NullPointerException.class, () -> Soter.authenticate(key, json, sig, null));
        assertThrows(NullPointerException.class, () -> Expectations.of(null));
    }

    @Test
    void expectationsAccessors() {
        Expectations e = Expectations.builder("c").cpuId("x").uid("u").minCounter(5).saltLen(32).build();
        assertEquals("c", e.challenge());
        assertEquals("x", e.cpuId());
        assertEquals("u", e.uid());
        assertEquals(5, e.minCounter().getAsLong());
        assertEquals(32, e.saltLen());
        Expectations d = Expectations.of("c");
        assertEquals(null, d.cpuId());
        assertFalse(d.minCounter().isPresent());
        assertEquals(PublicKey.SALT_LEN_DEFAULT, d.saltLen());
        assertFalse(e.toString().contains("\"c\""));
    }

    @Test
    void authKeyRoundTrip() throws Exception {
        KeyPair ask = TestSupport.rsa(2048);
        KeyPair authKey = TestSupport.rsa(2048);
        String escapedPem = pem(authKey.getPublic()).replace("\n", "\\n").replace("/", "\\/");
        String json = "{\"pub_key\":\"" + escapedPem + "\",\"cpu_id\":\"cpu-9\",\"counter\":240,\"uid\":\"10115\"}";
        byte[] sig = sign(ask.getPrivate(), utf8(json), 20);
        try (PublicKey askKey = PublicKey.load(pem(ask.getPublic()));
             AuthKey ak = Soter.verifyAuthKey(askKey, utf8(json), sig);
             AuthKey ak2 = Soter.verifyAuthKey(askKey, json, b64(sig));
             AuthKey ak3 = Soter.verifyAuthKey(askKey, utf8(json), b64(sig));
             PublicKey expected = PublicKey.load(authKey.getPublic().getEncoded())) {
            assertEquals("cpu-9", ak.cpuId());
            assertEquals("10115", ak.uid());
            assertEquals(240, ak.counter());
            assertEquals(pem(authKey.getPublic()), ak.pubKey());
            assertTrue(ak.publicKey().sameKeyAs(expected));
            assertTrue(ak2.publicKey().sameKeyAs(expected));
            assertTrue(ak3.publicKey().sameKeyAs(expected));
            assertTrue(ak.toString().contains("cpu-9"));
            // the AuthKey then verifies results
            String result = TestSupport.resultJson("c", 241, "cpu-9", "10115", "");
            byte[] rs = sign(authKey.getPrivate(), utf8(result), 20);
            Expectations exp = Expectations.builder("c").cpuId(ak.cpuId()).uid(ak.uid()).minCounter(ak.counter()).build();
            assertEquals(241, Soter.authenticate(ak.publicKey(), utf8(result), rs, exp).counter());
            // wrong ASK, tampered JSON
            try (PublicKey wrong = PublicKey.load(pem(authKey.getPublic()))) {
                // another key's signature does not verify (also when it is above that key's modulus)
                assertThrows(SignatureInvalidException.class, () -> Soter.verifyAuthKey(wrong, utf8(json), sig));
            }
            String tampered = json.replace("cpu-9", "cpu-8");
            assertThrows(SignatureInvalidException.class, () -> Soter.verifyAuthKey(askKey, utf8(tampered), sig));
            String badKey = "{\"pub_key\":\"nope\",\"cpu_id\":\"c\",\"counter\":1,\"uid\":\"u\"}";
            assertThrows(InvalidKeyException.class,
                    () -> Soter.verifyAuthKey(askKey, utf8(badKey), sign(ask.getPrivate(), utf8(badKey), 20)));
            assertThrows(NullPointerException.class, () -> Soter.verifyAuthKey(askKey, (byte[]) null, sig));
            ak.close();
            ak.close();
            assertThrows(IllegalStateException.class, () -> ak.publicKey().bits());
            assertNotEquals(ak2.publicKey(), ak3.publicKey());
        }
    }
}
