package io.soterverify;

import static io.soterverify.TestSupport.b64;
import static io.soterverify.TestSupport.pem;
import static io.soterverify.TestSupport.sign;
import static io.soterverify.TestSupport.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** 100 000 calls through every allocating path; native + heap memory must stay flat. */
class MemoryTest {
    static final KeyPair KP = TestSupport.rsa2048();

    static int round(PublicKey key, String pem, byte[] json, byte[] sig, String sigB64, byte[] akJson, byte[] akSig, int i)
            throws Exception {
        int n = 0;
        switch (i % 7) {
            case 0:
                n += key.verify(json, sig) ? 1 : 0;
                break;
            case 1:
                n += Soter.authenticate(key, json, sigB64, Expectations.builder("c").cpuId("cpu").uid("u").build())
                        .counter() == 1 ? 1 : 0;
                break;
            case 2:
                try (PublicKey k = PublicKey.load(pem)) {
                    n += k.toPem().length() > 400 ? 1 : 0;
                }
                break;
            case 3:
                try {
                    Soter.authenticate(key, json, sigB64, Expectations.of("wrong"));
                } catch (ChallengeMismatchException e) {
                    n++;
                }
                break;
            case 5:
                try (AuthKey ak = Soter.verifyAuthKey(key, akJson, akSig)) {
                    n += ak.counter() == 240 ? 1 : 0;
                }
                break;
            case 6:
                n += Soter.newChallenge().length() == Soter.CHALLENGE_LEN ? 1 : 0;
                break;
            default:
                try {
                    ResultJson.parse(utf8("{\"raw\":1}"));
                } catch (InvalidJsonException e) {
                    n += ResultJson.parse(json).extra().size() == 1 ? 1 : 0;
                }
        }
        return n;
    }

    static long settledRss() throws InterruptedException {
        System.gc();
        Thread.sleep(300);
        System.gc();
        Thread.sleep(100);
        return TestSupport.rss();
    }

    @Test
    @Timeout(300)
    void hundredThousandCallsKeepMemoryFlat() throws Exception {
        String pem = pem(KP.getPublic());
        byte[] json = utf8(TestSupport.resultJson("c", 1, "cpu", "u", ",\"x\":[1,2]"));
        byte[] sig = sign(KP.getPrivate(), json, 20);
        String sigB64 = b64(sig);
        // An AuthKey export for KP's own key, signed by KP (standing in for the ASK).
        byte[] akJson = utf8("{\"pub_key\":\"" + pem.replace("\n", "\\n").replace("/", "\\/")
                + "\",\"cpu_id\":\"cpu\",\"counter\":240,\"uid\":\"u\"}");
        byte[] akSig = sign(KP.getPrivate(), akJson, 20);
        Handles handles = Handles.track();
        try (PublicKey key = PublicKey.load(pem)) {
            for (int i = 0; i < 20_000; i++) {
                round(key, pem, json, sig, sigB64, akJson, akSig, i);
            }
            long[] rss = new long[3];
            handles.forgetFreed();
            rss[0] = settledRss();
            int ok = 0;
            for (int half = 1; half <= 2; half++) {
                for (int i = 0; i < 50_000; i++) {
                    ok += round(key, pem, json, sig, sigB64, akJson, akSig, i);
                }
                handles.forgetFreed();
                rss[half] = settledRss();
            }
            assertEquals(100_000, ok);
            System.out.printf("MemoryTest: RSS %d KiB -> %d KiB -> %d KiB over 2 x 50000 calls%n",
                    rss[0] >> 10, rss[1] >> 10, rss[2] >> 10);
            // A leak of 160 bytes per call would add 16 MiB over the whole loop.
            assertTrue(rss[2] - rss[0] < 16L << 20, "RSS grew by " + ((rss[2] - rss[0]) >> 10) + " KiB");
        }
        handles.close();
        handles.assertAllFreedOnce("every handle the calls made, and the key, freed exactly once");
        assertEquals(1, handles.count(), "only the key was still open at the last check");
    }
}
