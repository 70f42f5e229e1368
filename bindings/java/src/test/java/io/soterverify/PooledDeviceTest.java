package io.soterverify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.soterverify.testing.Device;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Device.pooled(): a few shared keys, generated once per JVM, handed out in turn. */
class PooledDeviceTest {
    @Test
    void theSameDevicesComeBackInTurnAndStayOpen() {
        Device first = Device.pooled();
        Set<String> cpuIds = new HashSet<>();
        cpuIds.add(first.cpuId());
        for (int i = 1; i < Device.POOL_SIZE; i++) {
            Device d = Device.pooled();
            assertNotSame(first, d);
            cpuIds.add(d.cpuId());
        }
        assertEquals(Device.POOL_SIZE, cpuIds.size(), "the pool's devices are distinct");
        assertSame(first, Device.pooled(), "the pool wraps around after POOL_SIZE draws");
        first.close();   // shared: closing it must not break the next test that draws it
        assertTrue(first.toString().contains("pooled") && !first.toString().contains("closed"));
        // Still signs, and the counter keeps rising across draws.
        try (ReplayGuard g = ReplayGuard.memory(); PublicKey k = first.publicKey()) {
            long a = login(first, k, g);
            assertSame(first, drawUntil(first));
            assertTrue(login(first, k, g) > a);
        }
        // Once warm, a draw costs no key generation (Device.create() takes ~230 ms).
        long t0 = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            Device.pooled();
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 50, "100 warm draws took " + ms + " ms");
    }

    private static long login(Device d, PublicKey k, ReplayGuard g) {
        var s = d.signResult(g.issueChallenge("p"));
        return g.authenticate(k, s.json(), s.signature(), "p").counter();
    }

    private static Device drawUntil(Device wanted) {
        for (int i = 0; i < Device.POOL_SIZE; i++) {
            Device d = Device.pooled();
            if (d == wanted) {
                return d;
            }
        }
        throw new AssertionError("the pool did not hand the device out again");
    }
}
