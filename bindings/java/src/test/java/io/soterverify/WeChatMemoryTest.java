package io.soterverify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.soterverify.testing.Device;
import io.soterverify.testing.SignedData;
import io.soterverify.testing.WeChatEmulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** WeChat client calls (success and error paths) keep native + heap memory flat. */
class WeChatMemoryTest {
    @Test
    @Timeout(300)
    void clientCallsKeepMemoryFlat() throws Exception {
        try (WeChatEmulator emu = WeChatEmulator.start("wxmemory", "memory-secret");
                Device device = Device.create();
                WeChatClient client = WeChatClient.builder("wxmemory", "memory-secret").baseUrl(emu.baseUrl()).build()) {
            emu.registerDevice("o_mem", device);
            emu.registerPerson("p_mem", "张三", "310101199801011234");
            SignedData signed = device.signResult("memory-challenge");
            Runnable[] kinds = {
                () -> check(client.soterVerifySignature("o_mem", signed.json(), signed.signature())),
                () -> {
                    try {
                        client.soterVerifySignature("o_nobody", signed.json(), signed.signature());
                        check(false);
                    } catch (WeChatApiException e) {
                        check(e.errcode() != 0);
                    }
                },
                () -> check(client.faceGetInfo(emu.issueVerifyResult("p_mem")).passed()),
                () -> check(!client.soterVerifySignature("o_mem", signed.json() + " ", signed.signature())),
            };
            for (int i = 0; i < 1000; i++) {
                kinds[i % kinds.length].run();
            }
            long before = MemoryTest.settledRss();
            for (int i = 0; i < 10_000; i++) {
                kinds[i % kinds.length].run();
            }
            long after = MemoryTest.settledRss();
            System.out.printf("WeChatMemoryTest: RSS %d KiB -> %d KiB over 10000 client calls%n", before >> 10, after >> 10);
            // A leak of 800 bytes per call would add 8 MiB.
            assertTrue(after - before < 8L << 20, "RSS grew by " + ((after - before) >> 10) + " KiB");
        }
    }

    private static void check(boolean ok) {
        assertEquals(true, ok);
    }

    /** Lets the lambdas above call methods that throw checked exceptions. */
    @FunctionalInterface
    private interface Runnable {
        void run() throws Exception;
    }
}
