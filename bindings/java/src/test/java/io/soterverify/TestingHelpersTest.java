package io.soterverify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.soterverify.testing.Device;
import io.soterverify.testing.SignedData;
import io.soterverify.testing.TestKeyPair;
import io.soterverify.testing.WeChatEmulator;
import org.junit.jupiter.api.Test;

/** The io.soterverify.testing helpers themselves. */
class TestingHelpersTest {
    @Test
    void deviceSignsWithARisingCounter() throws Exception {
        try (Device d = Device.create(); PublicKey key = d.publicKey()) {
            assertEquals(40, d.cpuId().length());
            assertFalse(d.uid().isEmpty());
            assertTrue(d.publicKeyPem().startsWith("-----BEGIN PUBLIC KEY-----"));
            assertEquals(2048, key.bits());
            SignedData a = d.signResult("challenge-a");
            SignedData b = d.signResult("challenge-b", Device.SALT_LEN_HUAWEI);
            assertTrue(key.verify(a.jsonBytes(), a.signature()));
            assertTrue(key.verify(b.jsonBytes(), b.signature()));
            assertFalse(key.verify(a.jsonBytes(), a.signature(), 32));
            ResultJson ra = ResultJson.parse(a.jsonBytes());
            ResultJson rb = ResultJson.parse(b.jsonBytes());
            assertEquals("challenge-a", ra.raw());
            assertEquals(ra.counter() + 1, rb.counter());
            assertEquals(d.cpuId(), ra.cpuId());
            assertFalse(a.toString().contains(a.signature()));
            d.close();
            d.close();
            assertThrows(IllegalStateException.class, () -> d.signResult("x"));
            assertTrue(d.toString().contains("closed"));
        }
    }

    @Test
    void keyPairSizesAreChecked() throws Exception {
        assertThrows(InvalidArgumentException.class, () -> TestKeyPair.generate(1024));
        assertThrows(InvalidArgumentException.class, () -> Device.create(1000));
        TestKeyPair ask = TestKeyPair.generate(2048);
        try (Device d = Device.create()) {
            ask.close();
            assertThrows(IllegalStateException.class, () -> d.signedAuthKey(ask));
            assertThrows(IllegalStateException.class, ask::publicKeyPem);
        }
    }

    @Test
    void emulatorListensOnLoopbackOnly() throws Exception {
        assertThrows(ConfigException.class, () -> WeChatEmulator.builder("wx1", "s").listen("0.0.0.0:0").start());
        assertThrows(ConfigException.class, () -> WeChatEmulator.builder("wx1", "s").listen("nonsense").start());
        try (WeChatEmulator a = WeChatEmulator.builder("wx1", "s").listen("127.0.0.1:0").start()) {
            String port = a.baseUrl().substring(a.baseUrl().lastIndexOf(':') + 1);
            assertThrows(NetworkException.class,
                    () -> WeChatEmulator.builder("wx1", "s").listen("127.0.0.1:" + port).start());
            assertThrows(InvalidKeyException.class, () -> a.registerDevice("o", "junk"));
            assertThrows(SoterException.class, () -> a.issueVerifyResult("o_nobody"));
            assertFalse(a.toString().contains("secret"));
            a.stop();
            a.stop();
            assertEquals(0, a.counters().totalRequests());
            a.close();
            a.close();
            assertThrows(IllegalStateException.class, a::counters);
            a.stop();
        }
    }
}
