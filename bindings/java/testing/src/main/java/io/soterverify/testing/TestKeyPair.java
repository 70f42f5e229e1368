package io.soterverify.testing;

import io.soterverify.Internal;
import io.soterverify.SoterException;
import io.soterverify.PublicKey;

/**
 * A test RSA key pair, e.g. a device's ASK that signs a {@link Device}'s AuthKey export. Thread-safe;
 * close it (or let the Cleaner free it).
 */
public final class TestKeyPair implements AutoCloseable {
    final Internal.Handle handle;

    private TestKeyPair(long ptr) {
        this.handle = Internal.handle(this, ptr, TestingFfi::soter_test_key_pair_free, "TestKeyPair");
    }

    /**
     * Generates a 2048-bit key pair.
     *
     * @return the key pair
     * @throws SoterException when the library fails
     */
    public static TestKeyPair generate() {
        return generate(2048);
    }

    /**
     * Generates a key pair (slow: up to seconds for 4096 bits).
     *
     * @param bits 2048, 3072 or 4096
     * @return the key pair
     * @throws io.soterverify.InvalidArgumentException for another size
     * @throws SoterException for other failures
     */
    public static TestKeyPair generate(int bits) {
        TestingFfi.load();
        long[] out = new long[1];
        long[] err = new long[1];
        Internal.check(TestingFfi.soter_test_key_pair_generate(bits, out, err), err);
        return new TestKeyPair(out[0]);
    }

    /**
     * The public half as SPKI PEM (load it with {@code PublicKey.load}).
     *
     * @return the PEM
     * @throws IllegalStateException when closed
     */
    public String publicKeyPem() {
        long[] out = new long[1];
        long[] len = new long[1];
        long[] err = new long[1];
        Internal.checkInternal(handle.call(this, p ->
                TestingFfi.soter_test_key_pair_public_key_pem(p, out, len, err)), err);
        return Internal.takeString(out[0], len[0]);
    }

    /**
     * The public half, loaded.
     *
     * @return a new key; close it when done
     * @throws IllegalStateException when closed
     */
    public PublicKey publicKey() {
        try {
            return PublicKey.load(publicKeyPem());
        } catch (SoterException e) {
            throw new IllegalStateException("soter-verify: " + e.getMessage(), e);
        }
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
