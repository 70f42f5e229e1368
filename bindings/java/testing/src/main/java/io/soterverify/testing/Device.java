package io.soterverify.testing;

import io.soterverify.Internal;
import io.soterverify.PublicKey;
import io.soterverify.SoterException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A simulated SOTER device (the phone's TEE): an AuthKey pair, a {@code cpu_id}, a {@code uid} and
 * a counter that rises with every signed result. It signs resultJSONs exactly as
 * {@code wx.startSoterAuthentication} returns them, and exports its AuthKey signed by an ASK, so
 * you can test your backend without a phone. Thread-safe; close it (or let the Cleaner free it).
 *
 * <pre>{@code
 * try (Device phone = Device.create()) {
 *     String challenge = Soter.newChallenge();
 *     SignedData r = phone.signResult(challenge);
 *     // POST r.json() and r.signature() to your login endpoint
 * }
 * }</pre>
 */
public final class Device implements AutoCloseable {
    /** SOTER's PSS salt length. */
    public static final int SALT_LEN_SOTER = 20;
    /** The salt length Huawei devices use (announced in {@code rsa_pss_saltlen}). */
    public static final int SALT_LEN_HUAWEI = 32;

    /** Devices in the {@link #pooled()} pool. */
    public static final int POOL_SIZE = 8;

    private final Internal.Handle handle;
    private final String cpuId;
    private final String uid;
    /** A pool member: shared, so {@link #close()} leaves it open. */
    private final boolean pooled;

    private Device(long ptr) {
        this(ptr, false);
    }

    private Device(long ptr, boolean pooled) {
        this.pooled = pooled;
        this.handle = Internal.handle(this, ptr, TestingFfi::soter_device_free, "Device");
        this.cpuId = Internal.cString(TestingFfi.soter_device_cpu_id(ptr));
        this.uid = Internal.cString(TestingFfi.soter_device_uid(ptr));
    }

    /**
     * A new device with a 2048-bit AuthKey and a random {@code cpu_id}.
     *
     * @return the device
     * @throws SoterException when the library fails
     */
    public static Device create() {
        return create(2048);
    }

    /**
     * A new device with an AuthKey of {@code bits}.
     *
     * @param bits 2048, 3072 or 4096
     * @return the device
     * @throws io.soterverify.InvalidArgumentException for another size
     * @throws SoterException for other failures
     */
    public static Device create(int bits) {
        TestingFfi.load();
        long[] out = new long[1];
        long[] err = new long[1];
        Internal.check(TestingFfi.soter_device_new(bits, out, err), err);
        return new Device(out[0]);
    }

    /**
     * A 2048-bit device from this JVM's pool of {@value #POOL_SIZE}, handed out in turn: each is
     * generated once, on first need ({@link #create()} costs about 230 ms of key generation; this,
     * once the pool is warm, nothing). For fast suites and load tests.
     *
     * <p>Pooled devices are shared: the same key, cpu_id and uid come back every
     * {@value #POOL_SIZE} draws, their counter keeps rising (so a guard that saw one still accepts
     * its next result), and {@link #close()} on one does nothing. Use {@link #create()} when a
     * test needs a key no other test has seen (e.g. re-enrolment).
     *
     * @return a shared device
     * @throws SoterException when the library fails
     */
    public static Device pooled() {
        return Pool.draw();
    }

    /** The pool, created on the first {@link #pooled()} (a JVM that never calls it generates nothing). */
    private static final class Pool {
        private static final Device[] DEVICES = new Device[POOL_SIZE];
        private static int next;

        static synchronized Device draw() {
            int i = next;
            next = (i + 1) % POOL_SIZE;
            // Generated under the lock: two threads never pay for the same slot.
            if (DEVICES[i] == null) {
                TestingFfi.load();
                long[] out = new long[1];
                long[] err = new long[1];
                Internal.check(TestingFfi.soter_device_new(2048, out, err), err);
                DEVICES[i] = new Device(out[0], true);
            }
            return DEVICES[i];
        }
    }

    /**
     * The device's {@code cpu_id}.
     *
     * @return the cpu_id
     */
    public String cpuId() {
        return cpuId;
    }

    /**
     * The app's {@code uid} on the device.
     *
     * @return the uid
     */
    public String uid() {
        return uid;
    }

    /**
     * The AuthKey's public key as SPKI PEM (what {@code WeChatEmulator#registerDevice} and your
     * key store take).
     *
     * @return the PEM
     * @throws IllegalStateException when closed
     */
    public String publicKeyPem() {
        long[] out = new long[1];
        long[] len = new long[1];
        long[] err = new long[1];
        Internal.checkInternal(handle.call(this, p -> TestingFfi.soter_device_public_key_pem(p, out, len, err)), err);
        return Internal.takeString(out[0], len[0]);
    }

    /**
     * The AuthKey's public key, loaded.
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

    /**
     * Signs a resultJSON for {@code challenge} with the next counter, PSS salt 20 (as SOTER).
     *
     * @param challenge the challenge your server issued
     * @return {@code resultJSON} and {@code resultJSONSignature}
     * @throws SoterException when the library fails
     * @throws IllegalStateException when closed
     */
    public SignedData signResult(String challenge) {
        return signResult(challenge, SALT_LEN_SOTER);
    }

    /**
     * Signs a resultJSON with another PSS salt length, announced in {@code rsa_pss_saltlen} as
     * Huawei devices do ({@link #SALT_LEN_HUAWEI}).
     *
     * @param challenge the challenge your server issued
     * @param saltLen the salt length in bytes
     * @return {@code resultJSON} and {@code resultJSONSignature}
     * @throws SoterException when the library fails (e.g. a salt too long for the key)
     * @throws IllegalStateException when closed
     */
    public SignedData signResult(String challenge, int saltLen) {
        Objects.requireNonNull(challenge, "challenge must not be null");
        if (saltLen < 0) {
            throw new IllegalArgumentException("saltLen must not be negative");
        }
        byte[] c = challenge.getBytes(StandardCharsets.UTF_8);
        long[] json = new long[1];
        long[] jsonLen = new long[1];
        long[] sig = new long[1];
        long[] sigLen = new long[1];
        long[] err = new long[1];
        Internal.check(handle.call(this, p -> TestingFfi.soter_device_sign_result(p, c, c.length, saltLen, json,
                jsonLen, sig, sigLen, err)), err);
        return take(json[0], jsonLen[0], sig[0], sigLen[0]);
    }

    /**
     * The AuthKey export ({@code {"pub_key","cpu_id","counter","uid"}}) signed by {@code ask}
     * (salt 20), as the TEE produces it; verify it with {@code Soter.verifyAuthKey}.
     *
     * @param ask the device's ASK
     * @return the AuthKey JSON and its signature
     * @throws SoterException when the library fails
     * @throws IllegalStateException when this device or the ASK is closed
     */
    public SignedData signedAuthKey(TestKeyPair ask) {
        Objects.requireNonNull(ask, "ask must not be null");
        long[] json = new long[1];
        long[] jsonLen = new long[1];
        long[] sig = new long[1];
        long[] sigLen = new long[1];
        long[] err = new long[1];
        Internal.check(handle.call(this, p -> ask.handle.call(ask, a -> TestingFfi.soter_device_signed_auth_key(p, a,
                json, jsonLen, sig, sigLen, err))), err);
        return take(json[0], jsonLen[0], sig[0], sigLen[0]);
    }

    /**
     * The AuthKey export signed by {@code ask} with PSS salt {@code saltLen} (what the ASK's
     * attestation says, e.g. 32).
     *
     * @param ask the device's ASK
     * @param saltLen the salt length
     * @return the AuthKey JSON and its signature
     * @throws SoterException when the library fails
     * @throws IllegalStateException when this device or the ASK is closed
     */
    public SignedData signedAuthKey(TestKeyPair ask, int saltLen) {
        Objects.requireNonNull(ask, "ask must not be null");
        long[] json = new long[1];
        long[] jsonLen = new long[1];
        long[] sig = new long[1];
        long[] sigLen = new long[1];
        long[] err = new long[1];
        Internal.check(handle.call(this, p -> ask.handle.call(ask, a ->
                TestingFfi.soter_device_signed_auth_key_with_salt(p, a, saltLen, json, jsonLen, sig, sigLen, err))),
                err);
        return take(json[0], jsonLen[0], sig[0], sigLen[0]);
    }

    /**
     * A classic ASK for {@code ask} on this device: the ASK export JSON and its signature by the
     * test factory key {@code attk}, for {@code WeChatClient.soterVerifyAsk} against a
     * {@link WeChatEmulator} that has {@code attk} registered ({@link WeChatEmulator#registerAttk}).
     *
     * @param ask the device's ASK
     * @param attk the test factory key
     * @return the ASK JSON and its base64 signature
     * @throws SoterException when the library fails
     * @throws IllegalStateException when a handle is closed
     */
    public SignedData classicAsk(TestKeyPair ask, TestKeyPair attk) {
        Objects.requireNonNull(ask, "ask must not be null");
        Objects.requireNonNull(attk, "attk must not be null");
        long[] json = new long[1];
        long[] jsonLen = new long[1];
        long[] sig = new long[1];
        long[] sigLen = new long[1];
        long[] err = new long[1];
        Internal.check(handle.call(this, p -> ask.handle.call(ask, a -> attk.handle.call(attk, t ->
                TestingFfi.soter_device_classic_ask(p, a, t, json, jsonLen, sig, sigLen, err)))), err);
        return take(json[0], jsonLen[0], sig[0], sigLen[0]);
    }

    /**
     * A certificate-chain ASK for {@code ask} on this device under {@code root}, as a Huawei phone
     * sends it: {@code {"certs":[leaf, device, CA, root]}}, the leaf attesting this device.
     *
     * @param ask the device's ASK
     * @param root the test root
     * @return the certs JSON
     * @throws SoterException when the library fails
     */
    public String askChain(TestKeyPair ask, TestRoot root) {
        return askChain(ask, root, true, -1);
    }

    /**
     * As {@link #askChain(TestKeyPair, TestRoot)} with choices.
     *
     * @param ask the device's ASK
     * @param root the test root
     * @param attestation false leaves the key-attestation extension out of the leaf (must fail)
     * @param rsaPssSaltlen the salt length to attest, or -1 for none
     * @return the certs JSON
     * @throws SoterException when the library fails or an argument is out of range
     */
    public String askChain(TestKeyPair ask, TestRoot root, boolean attestation, int rsaPssSaltlen) {
        Objects.requireNonNull(ask, "ask must not be null");
        Objects.requireNonNull(root, "root must not be null");
        long[] out = new long[1];
        long[] len = new long[1];
        long[] err = new long[1];
        int flags = attestation ? 0 : TestingFfi.TEST_CHAIN_NO_ATTESTATION;
        Internal.check(handle.call(this, p -> ask.handle.call(ask, a -> root.handle.call(root, r ->
                TestingFfi.soter_device_ask_chain(p, a, r, flags, rsaPssSaltlen, out, len, err)))), err);
        return Internal.takeString(out[0], len[0]);
    }

    /** Copies and frees both strings (both are freed even if a copy fails). */
    private static SignedData take(long json, long jsonLen, long sig, long sigLen) {
        String j;
        String s;
        try {
            j = Internal.takeString(json, jsonLen);
        } finally {
            s = Internal.takeString(sig, sigLen);
        }
        return new SignedData(j, s);
    }

    /** Frees the device (a {@link #pooled()} one stays open: others share it). Idempotent. */
    @Override
    public void close() {
        if (!pooled) {
            handle.close();
        }
    }

    @Override
    public String toString() {
        return "Device[cpu_id=" + cpuId + (pooled ? ", pooled" : "") + (handle.isClosed() ? ", closed" : "") + "]";
    }
}
