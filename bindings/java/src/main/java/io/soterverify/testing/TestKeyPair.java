package io.soterverify.testing;

import io.soterverify.Internal;
import io.soterverify.SoterException;
import java.lang.ref.Reference;

/**
 * A test RSA key pair, e.g. an app's ASK that signs a {@link Device}'s AuthKey export. Thread-safe;
 * close it (or let the Cleaner free it).
 */
public final class TestKeyPair implements AutoCloseable {
    final Internal.Handle handle;

    private TestKeyPair(long ptr) {
        this.handle = Internal.handle(this, ptr, TestingNative::soter_test_key_pair_free, "TestKeyPair");
    }

    /**
     * Generates a key pair (slow: up to seconds for 4096 bits).
     *
     * @param bits 2048, 3072 or 4096
     * @return the key pair
     * @throws io.soterverify.InvalidArgumentException for another size
     * @throws SoterException for other failures
     */
    public static TestKeyPair generate(int bits) throws SoterException {
        TestingNative.load();
        long[] out = new long[1];
        long[] err = new long[1];
        Internal.check(TestingNative.soter_test_key_pair_generate(bits, out, err), err);
        return new TestKeyPair(out[0]);
    }

    /**
     * The public half as SPKI PEM (load it with {@code PublicKey.load}).
     *
     * @return the PEM
     * @throws SoterException when the library fails
     * @throws IllegalStateException when closed
     */
    public String publicKeyPem() throws SoterException {
        long[] out = new long[1];
        long[] len = new long[1];
        long[] err = new long[1];
        int st;
        long p = handle.acquire();
        try {
            st = TestingNative.soter_test_key_pair_public_key_pem(p, out, len, err);
        } finally {
            handle.release();
            Reference.reachabilityFence(this);
        }
        Internal.check(st, err);
        return Internal.takeString(out[0], len[0]);
    }

    /** Frees the key pair. Idempotent. */
    @Override
    public void close() {
        handle.close();
    }

    @Override
    public String toString() {
        return "TestKeyPair[" + (handle.isClosed() ? "closed" : "open") + "]";
    }
}
