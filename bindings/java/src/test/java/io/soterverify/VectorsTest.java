package io.soterverify;

import static io.soterverify.TestSupport.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The real device data in tests/vectors/tencent-soter-sample, verdicts from its README. */
class VectorsTest {
    @Test
    void finalResultVerifiesWithTheAuthKey() throws Exception {
        Path v = TestSupport.vectors();
        byte[] json = read(v, "final_json.txt");
        byte[] sig = read(v, "final_signature.bin");
        try (PublicKey k = PublicKey.load(read(v, "auth_key.pem"))) {
            assertEquals(2048, k.bits());
            assertTrue(k.verify(json, sig));
            assertTrue(k.verify(json, sig, 20));
            assertTrue(k.verify(json, Base64.getEncoder().encodeToString(sig)));
            assertFalse(k.verify(json, sig, 32));
            for (int i = 0; i < json.length; i += 17) {
                byte[] t = json.clone();
                t[i] ^= 0x01;
                assertFalse(k.verify(t, sig), "byte " + i);
            }
        }
        try (PublicKey ask = PublicKey.load(read(v, "ask.pem"))) {
            assertFalse(ask.verify(json, sig));
        }
    }

    @Test
    void finalResultParsesAndAuthenticates() throws Exception {
        Path v = TestSupport.vectors();
        byte[] json = read(v, "final_json.txt");
        ResultJson r = ResultJson.parse(json);
        assertEquals("I'm a demo challenge string", r.raw());
        assertEquals("2313170", r.fid());
        assertEquals(246, r.counter());
        assertEquals("t-base-Mediatek-Armv8-Android-302A-V012-20160705_104258_41", r.teeN());
        assertEquals("10010", r.teeV());
        assertEquals("FPC", r.fpN());
        assertEquals("6516", r.fpV());
        assertEquals("0900000026030000241a1e8e9e44c3a8e05b9c0c", r.cpuId());
        assertEquals("10115", r.uid());
        String sig = Base64.getEncoder().encodeToString(read(v, "final_signature.bin"));
        try (PublicKey k = PublicKey.load(read(v, "auth_key.pem"))) {
            Expectations exp = Expectations.builder("I'm a demo challenge string")
                    .cpuId("0900000026030000241a1e8e9e44c3a8e05b9c0c").uid("10115").minCounter(241).build();
            assertEquals(r, Soter.authenticate(k, json, sig, exp));
            assertThrows(CounterReplayException.class, () -> Soter.authenticate(k, json, sig,
                    Expectations.builder("I'm a demo challenge string").minCounter(247).build()));
            assertThrows(ChallengeMismatchException.class,
                    () -> Soter.authenticate(k, json, sig, Expectations.of("another challenge")));
        }
    }

    @Test
    void authKeyVerifiesWithTheAsk() throws Exception {
        Path v = TestSupport.vectors();
        byte[] json = read(v, "auth_key_json.txt");
        byte[] sig = read(v, "auth_key_signature.bin");
        try (PublicKey ask = PublicKey.load(read(v, "ask.pem"));
             PublicKey expected = PublicKey.load(read(v, "auth_key.pem"));
             AuthKey ak = Soter.verifyAuthKey(ask, json, sig)) {
            assertTrue(ask.verify(json, sig));
            assertFalse(ask.verify(json, sig, 32));
            assertEquals(240, ak.counter());
            assertEquals("10115", ak.uid());
            assertEquals("0900000026030000241a1e8e9e44c3a8e05b9c0c", ak.cpuId());
            assertTrue(ak.publicKey().sameKeyAs(expected));
            try (PublicKey fromText = PublicKey.load(ak.pubKey())) {
                assertTrue(fromText.sameKeyAs(expected));
            }
            assertThrows(SignatureInvalidException.class, () -> Soter.verifyAuthKey(expected, json, sig));
        }
    }
}
