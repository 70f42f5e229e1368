package io.soterverify.testing;

import io.soterverify.Internal;
import io.soterverify.SoterException;
import java.lang.ref.Reference;

/**
 * A test certificate authority (an RSA-2048 root and an EC P-256 equipment CA) that issues key-attestation
 * chains for {@link Device#askChain} (one RSA key generation: share it). Thread-safe;
 * close it (or let the Cleaner free it).
 */
public final class TestRoot implements AutoCloseable {
    final Internal.Handle handle;
    private final String rootPem;

    private TestRoot(long ptr) {
        this.handle = Internal.handle(this, ptr, TestingFfi::soter_test_root_free, "TestRoot");
        long[] out = new long[1];
        long[] len = new long[1];
        long[] err = new long[1];
        Internal.check(TestingFfi.soter_test_root_pem(ptr, out, len, err), err);
        this.rootPem = Internal.takeString(out[0], len[0]);
        Reference.reachabilityFence(this);
    }

    /**
     * Generates a new test root.
     *
     * @return the root
     * @throws SoterException when the library fails
     */
    public static TestRoot generate() {
        TestingFfi.load();
        long[] out = new long[1];
        long[] err = new long[1];
        Internal.check(TestingFfi.soter_test_root_generate(out, err), err);
        return new TestRoot(out[0]);
    }

    /**
     * The root certificate as PEM: pass it in the roots of {@code Soter.verifyAskChain} to trust
     * this authority's chains.
     *
     * @return the PEM
     */
    public String rootPem() {
        return rootPem;
    }

    /** Frees it. Idempotent. */
    @Override
    public void close() {
        handle.close();
    }

    @Override
    public String toString() {
        return "TestRoot";
    }
}
