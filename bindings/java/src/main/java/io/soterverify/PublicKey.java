package io.soterverify;

import java.lang.ref.Cleaner;
import java.util.Objects;

/**
 * An RSA public key (2048 to 4096 bits) that verifies SOTER's RSASSA-PSS signatures (SHA-256,
 * MGF1-SHA-256).
 *
 * <p>Thread-safe: one key may verify from any number of threads at once. It holds native memory:
 * close it (try-with-resources) or keep it for the application's lifetime; a forgotten key is freed
 * by a {@link Cleaner} once unreachable. {@link #close()} is idempotent and never frees the key
 * under a call running on another thread (that call completes; the last one out frees). Any call
 * after close throws {@link IllegalStateException}.
 *
 * <pre>{@code
 * try (PublicKey key = PublicKey.load(pemFromDatabase)) {
 *     boolean ok = key.verify(resultJson.getBytes(UTF_8), resultJsonSignature);
 * }
 * }</pre>
 */
public final class PublicKey implements AutoCloseable {
    /** Salt length: {@code rsa_pss_saltlen} from the signed JSON when present, else 20 (SOTER's default). */
    public static final int SALT_LEN_DEFAULT = -1;
    /** Salt length: accept whatever salt length the signer used (for diagnosis only). */
    public static final int SALT_LEN_AUTO = -2;

    private final NativeHandle handle;
    private final Cleaner.Cleanable cleanable;

    PublicKey(long ptr) {
        this.handle = new NativeHandle(ptr, SoterFfi::soter_key_free, "PublicKey");
        this.cleanable = NativeHandle.CLEANER.register(this, handle);
    }

    /**
     * Loads a key: PEM (SPKI or PKCS#1, any label, line width or line ending, with or without a
     * trailing newline), PEM escaped inside a JSON string ({@code \n}, {@code \/}), bare base64 of
     * the DER, or DER.
     *
     * @param data the key bytes (at most 64 KiB)
     * @return the key; close it when done
     * @throws InvalidKeyException when nothing usable can be parsed
     * @throws KeyTooSmallException for RSA keys below 2048 bits
     * @throws UnsupportedKeyException for EC/DSA/Ed25519 keys and RSA keys above 4096 bits
     * @throws InputTooLargeException for input over 64 KiB
     * @throws SoterException for any other failure of the library
     * @throws NullPointerException when {@code data} is null
     */
    public static PublicKey load(byte[] data) {
        Objects.requireNonNull(data, "key data must not be null");
        long[] out = new long[1];
        long[] err = new long[1];
        Errors.check(SoterFfi.soter_key_load(data, data.length, out, err), err);
        return new PublicKey(out[0]);
    }

    /**
     * Loads a key from text (PEM, escaped PEM or base64); see {@link #load(byte[])}.
     *
     * @param text the key text
     * @return the key; close it when done
     * @throws SoterException as for {@link #load(byte[])}
     * @throws NullPointerException when {@code text} is null
     */
    public static PublicKey load(String text) {
        return load(Utf8.encode(text, "key text"));
    }

    /**
     * Verifies a signature over exactly {@code message} with the default salt length
     * ({@link #SALT_LEN_DEFAULT}).
     *
     * @param message the exact bytes that were signed (for SOTER: resultJSON as received)
     * @param signature the raw signature bytes, or its base64 text as bytes
     * @return true when the signature is valid, false when it does not verify
     * @throws MalformedSignatureException when the signature cannot be one by this key
     * @throws SoterException for any other failure of the library
     * @throws IllegalStateException when the key is closed
     */
    public boolean verify(byte[] message, byte[] signature) {
        return verify(message, signature, SALT_LEN_DEFAULT);
    }

    /**
     * Verifies a base64 signature (standard or URL-safe, padded or not, whitespace tolerated) over
     * exactly {@code message} with the default salt length.
     *
     * @param message the exact bytes that were signed
     * @param base64Signature the signature as sent on the wire ({@code resultJSONSignature})
     * @return true when the signature is valid, false when it does not verify
     * @throws MalformedSignatureException when the signature is not base64 or has the wrong length
     * @throws SoterException for any other failure of the library
     * @throws IllegalStateException when the key is closed
     */
    public boolean verify(byte[] message, String base64Signature) {
        return verify(message, base64Signature, SALT_LEN_DEFAULT);
    }

    /**
     * Verifies a base64 signature with an explicit salt length.
     *
     * @param message the exact bytes that were signed
     * @param base64Signature the signature as sent on the wire
     * @param saltLen a salt length in bytes, {@link #SALT_LEN_DEFAULT} or {@link #SALT_LEN_AUTO}
     * @return true when the signature is valid, false when it does not verify
     * @throws InvalidArgumentException for a negative salt length other than the two constants
     * @throws MalformedSignatureException when the signature is not base64 or has the wrong length
     * @throws SoterException for any other failure of the library
     * @throws IllegalStateException when the key is closed
     */
    public boolean verify(byte[] message, String base64Signature, int saltLen) {
        return verify(message, Utf8.encode(base64Signature, "signature"), saltLen);
    }

    /**
     * Verifies a signature (raw bytes, or base64 text as bytes) with an explicit salt length.
     *
     * @param message the exact bytes that were signed
     * @param signature the raw signature bytes, or its base64 text as bytes
     * @param saltLen a salt length in bytes, {@link #SALT_LEN_DEFAULT} or {@link #SALT_LEN_AUTO}
     * @return true when the signature is valid, false when it does not verify
     * @throws InvalidArgumentException for a negative salt length other than the two constants
     * @throws MalformedSignatureException when the signature cannot be one by this key
     * @throws SoterException for any other failure of the library
     * @throws IllegalStateException when the key is closed
     */
    public boolean verify(byte[] message, byte[] signature, int saltLen) {
        Objects.requireNonNull(message, "message must not be null");
        Objects.requireNonNull(signature, "signature must not be null");
        long[] err = new long[1];
        int status = handle.call(this, k -> SoterFfi.soter_key_verify(k, message, message.length, signature,
                signature.length, saltLen, null, err));
        if (status == Status.SIGNATURE_INVALID.code()) {
            SoterFfi.soter_error_free(err[0]);
            return false;
        }
        Errors.check(status, err);
        return true;
    }

    /**
     * The modulus size.
     *
     * @return 2048 to 4096
     * @throws IllegalStateException when the key is closed
     */
    public int bits() {
        return handle.call(this, SoterFfi::soter_key_bits);
    }

    /**
     * The key as SPKI PEM ({@code -----BEGIN PUBLIC KEY-----}, 64 columns, trailing newline): the
     * normalized form to store.
     *
     * @return the PEM text
     * @throws IllegalStateException when the key is closed
     */
    public String toPem() {
        long[] out = new long[1];
        long[] len = new long[1];
        long[] err = new long[1];
        Errors.checkInternal(handle.call(this, k -> SoterFfi.soter_key_to_pem(k, out, len, err)), err);
        try {
            return NativeLib.utf8(out[0], len[0]);
        } finally {
            SoterFfi.soter_string_free(out[0]);
        }
    }

    /**
     * Whether both keys are the same RSA key (same modulus and exponent), whatever form they were
     * loaded from.
     *
     * @param other another open key
     * @return true when the keys are equal
     * @throws IllegalStateException when either key is closed
     * @throws NullPointerException when {@code other} is null
     */
    public boolean sameKeyAs(PublicKey other) {
        Objects.requireNonNull(other, "other key must not be null");
        return handle.call(this, a -> other.handle.call(other, b -> SoterFfi.soter_key_equal(a, b))) != 0;
    }

    /**
     * Whether {@link #close()} was called.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return handle.isClosed();
    }

    /** Frees the native key (after calls in flight finish). Idempotent. */
    @Override
    public void close() {
        cleanable.clean();
    }

    NativeHandle handle() {
        return handle;
    }

    @Override
    public String toString() {
        if (handle.isClosed()) {
            return "PublicKey[closed]";
        }
        try {
            return "PublicKey[RSA " + bits() + " bits]";
        } catch (IllegalStateException e) {
            return "PublicKey[closed]";
        }
    }
}
