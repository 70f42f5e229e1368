package io.soterverify;

import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Entry points of soter-verify: end-to-end checks of SOTER results and AuthKeys, and challenges.
 *
 * <p>A login with SOTER, server side:
 * <ol>
 * <li>{@link #newChallenge()}; keep it in the session (single use, short-lived) and send it to the
 *     mini-program/app, which passes it to {@code wx.startSoterAuthentication}.</li>
 * <li>On the way back, {@link #authenticate} the {@code resultJSON} and
 *     {@code resultJSONSignature} with the stored AuthKey and the expected challenge and device.</li>
 * </ol>
 * All methods are thread-safe.
 */
public final class Soter {
    /** Length of a challenge from {@link #newChallenge()}. */
    public static final int CHALLENGE_LEN = NativeLib.CHALLENGE_LEN;

    private Soter() {}

    /**
     * The native library's version, e.g. "0.1.0".
     *
     * @return the version
     */
    public static String version() {
        return NativeLib.version();
    }

    /**
     * The C ABI version of the loaded library (checked against this package's at load).
     *
     * @return the ABI version
     */
    public static int abiVersion() {
        return NativeLib.soter_abi_version();
    }

    /**
     * A fresh challenge: 256 bits from the OS CSPRNG as URL-safe base64 without padding
     * ({@value #CHALLENGE_LEN} characters).
     *
     * @return the challenge
     * @throws SoterException when the OS random source fails
     */
    public static String newChallenge() throws SoterException {
        byte[] buf = new byte[CHALLENGE_LEN + 1];
        long[] len = new long[1];
        long[] err = new long[1];
        Errors.check(NativeLib.soter_new_challenge(buf, buf.length, len, err), err);
        return new String(buf, 0, (int) len[0], StandardCharsets.US_ASCII);
    }

    /**
     * Verifies one SOTER result end to end: the signature over the exact bytes, then the challenge
     * (constant time), the device ({@code cpu_id}/{@code uid}) and the minimum counter.
     *
     * @param key the AuthKey's public key stored for this user and device
     * @param resultJson {@code resultJSON} exactly as received (never re-serialized)
     * @param signature {@code resultJSONSignature}: base64 (any variant) or raw bytes as text
     * @param expect what the result must show
     * @return the parsed, accepted result
     * @throws SignatureInvalidException when the signature does not verify
     * @throws ChallengeMismatchException when {@code raw} is not the expected challenge
     * @throws DeviceMismatchException when {@code cpu_id} or {@code uid} differs
     * @throws CounterReplayException when the counter is below the minimum
     * @throws MalformedSignatureException when the signature cannot be one by this key
     * @throws SoterException for input errors (JSON, sizes) and other failures
     * @throws IllegalStateException when the key is closed
     */
    public static ResultJson authenticate(PublicKey key, byte[] resultJson, String signature, Expectations expect)
            throws SoterException {
        Objects.requireNonNull(signature, "signature must not be null");
        return authenticate(key, resultJson, signature.getBytes(StandardCharsets.UTF_8), expect);
    }

    /**
     * As {@link #authenticate(PublicKey, byte[], String, Expectations)} for a resultJSON held as a
     * Java String (encoded as UTF-8, which gives back the device's bytes).
     *
     * @param key the AuthKey's public key
     * @param resultJson {@code resultJSON} as received
     * @param signature {@code resultJSONSignature} (base64)
     * @param expect what the result must show
     * @return the parsed, accepted result
     * @throws VerificationFailedException when the result must not be accepted
     * @throws SoterException for input errors and other failures
     * @throws IllegalStateException when the key is closed
     */
    public static ResultJson authenticate(PublicKey key, String resultJson, String signature, Expectations expect)
            throws SoterException {
        Objects.requireNonNull(resultJson, "resultJSON must not be null");
        return authenticate(key, resultJson.getBytes(StandardCharsets.UTF_8), signature, expect);
    }

    /**
     * As {@link #authenticate(PublicKey, byte[], String, Expectations)} with the signature as raw
     * bytes (or base64 text as bytes).
     *
     * @param key the AuthKey's public key
     * @param resultJson {@code resultJSON} exactly as received
     * @param signature the signature, raw or base64
     * @param expect what the result must show
     * @return the parsed, accepted result
     * @throws VerificationFailedException when the result must not be accepted
     * @throws SoterException for input errors and other failures
     * @throws IllegalStateException when the key is closed
     */
    public static ResultJson authenticate(PublicKey key, byte[] resultJson, byte[] signature, Expectations expect)
            throws SoterException {
        Objects.requireNonNull(key, "key must not be null");
        Objects.requireNonNull(resultJson, "resultJSON must not be null");
        Objects.requireNonNull(signature, "signature must not be null");
        Objects.requireNonNull(expect, "expectations must not be null");
        com.sun.jna.Memory s = ExpectationsStruct.of(expect);
        long[] out = new long[1];
        long[] err = new long[1];
        int status;
        NativeHandle h = key.handle();
        long k = h.acquire();
        try {
            status = NativeLib.soter_authenticate(k, resultJson, resultJson.length, signature, signature.length,
                    s, out, err);
        } finally {
            h.release();
            Reference.reachabilityFence(key);
            Reference.reachabilityFence(s);
        }
        Errors.check(status, err);
        return ResultJson.consume(out[0]);
    }

    /**
     * Verifies an AuthKey export ({@code {"pub_key","cpu_id","counter","uid"}}, signed by the ASK)
     * with the app's ASK public key, and loads the AuthKey's public key.
     *
     * @param ask the app's ASK public key
     * @param authKeyJson the AuthKey JSON exactly as received
     * @param signature its signature: base64 (any variant) or raw bytes
     * @return the verified AuthKey; close it (or its key) when done
     * @throws SignatureInvalidException when the ASK did not sign this JSON
     * @throws MalformedSignatureException when the signature cannot be one by the ASK
     * @throws SoterException for JSON errors, an unusable {@code pub_key} and other failures
     * @throws IllegalStateException when the ASK is closed
     */
    public static AuthKey verifyAuthKey(PublicKey ask, byte[] authKeyJson, byte[] signature) throws SoterException {
        Objects.requireNonNull(ask, "ASK must not be null");
        Objects.requireNonNull(authKeyJson, "AuthKey JSON must not be null");
        Objects.requireNonNull(signature, "signature must not be null");
        long[] out = new long[1];
        long[] err = new long[1];
        int status;
        NativeHandle h = ask.handle();
        long k = h.acquire();
        try {
            status = NativeLib.soter_verify_auth_key(k, authKeyJson, authKeyJson.length, signature,
                    signature.length, out, err);
        } finally {
            h.release();
            Reference.reachabilityFence(ask);
        }
        Errors.check(status, err);
        long ak = out[0];
        try {
            long[] keyOut = new long[1];
            long[] err2 = new long[1];
            Errors.check(NativeLib.soter_auth_key_public_key(ak, keyOut, err2), err2);
            PublicKey pk = new PublicKey(keyOut[0]);
            return new AuthKey(pk, authKeyField(ak, NativeLib.FIELD_CPU_ID), authKeyField(ak, NativeLib.FIELD_UID),
                    NativeLib.soter_auth_key_counter(ak), authKeyField(ak, NativeLib.FIELD_PUB_KEY));
        } finally {
            NativeLib.soter_auth_key_free(ak);
        }
    }

    /**
     * As {@link #verifyAuthKey(PublicKey, byte[], byte[])} with a base64 signature.
     *
     * @param ask the app's ASK public key
     * @param authKeyJson the AuthKey JSON exactly as received
     * @param signature its base64 signature
     * @return the verified AuthKey
     * @throws SoterException as for {@link #verifyAuthKey(PublicKey, byte[], byte[])}
     */
    public static AuthKey verifyAuthKey(PublicKey ask, byte[] authKeyJson, String signature) throws SoterException {
        Objects.requireNonNull(signature, "signature must not be null");
        return verifyAuthKey(ask, authKeyJson, signature.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * As {@link #verifyAuthKey(PublicKey, byte[], String)} with the JSON held as a String (UTF-8).
     *
     * @param ask the app's ASK public key
     * @param authKeyJson the AuthKey JSON as received
     * @param signature its base64 signature
     * @return the verified AuthKey
     * @throws SoterException as for {@link #verifyAuthKey(PublicKey, byte[], byte[])}
     */
    public static AuthKey verifyAuthKey(PublicKey ask, String authKeyJson, String signature) throws SoterException {
        Objects.requireNonNull(authKeyJson, "AuthKey JSON must not be null");
        return verifyAuthKey(ask, authKeyJson.getBytes(StandardCharsets.UTF_8), signature);
    }

    private static String authKeyField(long ak, int field) {
        long[] ptr = new long[1];
        long[] len = new long[1];
        int st = NativeLib.soter_auth_key_get(ak, field, ptr, len);
        if (st != 0) {
            throw new IllegalStateException("soter-verify: reading AuthKey field " + field + " failed: "
                    + NativeLib.statusName(st));
        }
        return NativeLib.utf8(ptr[0], len[0]);
    }
}
