package io.soterverify;

import java.util.Objects;

/**
 * A verified SOTER AuthKey: its public key and the device identity it was issued for. Obtain it
 * from {@link Soter#verifyAuthKey}; store {@link #publicKey()}{@code .toPem()}, {@link #cpuId()} and
 * {@link #uid()} with the user, then check results with {@link Soter#authenticate}.
 *
 * <p>Thread-safe. Closing it closes its {@link #publicKey()}.
 */
public final class AuthKey implements AutoCloseable {
    private final PublicKey publicKey;
    private final String cpuId;
    private final String uid;
    private final long counter;
    private final String pubKey;

    AuthKey(PublicKey publicKey, String cpuId, String uid, long counter, String pubKey) {
        this.publicKey = Objects.requireNonNull(publicKey);
        this.cpuId = cpuId;
        this.uid = uid;
        this.counter = counter;
        this.pubKey = pubKey;
    }

    /**
     * The AuthKey's public key, which verifies this device's results.
     *
     * @return the key (owned by this AuthKey)
     */
    public PublicKey publicKey() {
        return publicKey;
    }

    /**
     * {@code cpu_id} of the device the key was issued on.
     *
     * @return the cpu_id
     */
    public String cpuId() {
        return cpuId;
    }

    /**
     * {@code uid} of the app on the device.
     *
     * @return the uid
     */
    public String uid() {
        return uid;
    }

    /**
     * {@code counter} at the time the key was exported.
     *
     * @return the counter
     */
    public long counter() {
        return counter;
    }

    /**
     * {@code pub_key}: the public key text as sent (after JSON unescaping); {@link #publicKey()}
     * is the key loaded from it.
     *
     * @return the PEM text
     */
    public String pubKey() {
        return pubKey;
    }

    /** Closes the public key. Idempotent. */
    @Override
    public void close() {
        publicKey.close();
    }

    @Override
    public String toString() {
        return "AuthKey{cpuId=" + cpuId + ", uid=" + uid + ", counter=" + counter + ", key=" + publicKey + "}";
    }
}
