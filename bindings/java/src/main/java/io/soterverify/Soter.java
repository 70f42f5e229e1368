package io.soterverify;

import com.sun.jna.Memory;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
        return SoterFfi.soter_abi_version();
    }

    /**
     * A fresh challenge: 256 bits from the OS CSPRNG as URL-safe base64 without padding
     * ({@value #CHALLENGE_LEN} characters).
     *
     * @return the challenge
     * @throws IllegalStateException when the OS random source fails (no input can cause it)
     */
    public static String newChallenge() {
        byte[] buf = new byte[CHALLENGE_LEN + 1];
        long[] len = new long[1];
        long[] err = new long[1];
        Errors.checkInternal(SoterFfi.soter_new_challenge(buf, buf.length, len, err), err);
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
    public static ResultJson authenticate(PublicKey key, byte[] resultJson, String signature, Expectations expect) {
        return authenticate(key, resultJson, Utf8.encode(signature, "signature"), expect);
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
    public static ResultJson authenticate(PublicKey key, String resultJson, String signature, Expectations expect) {
        return authenticate(key, Utf8.encode(resultJson, "resultJSON"), signature, expect);
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
    public static ResultJson authenticate(PublicKey key, byte[] resultJson, byte[] signature, Expectations expect) {
        Objects.requireNonNull(key, "key must not be null");
        Objects.requireNonNull(resultJson, "resultJSON must not be null");
        Objects.requireNonNull(signature, "signature must not be null");
        Objects.requireNonNull(expect, "expectations must not be null");
        Memory s = ExpectationsStruct.of(expect);
        long[] out = new long[1];
        long[] err = new long[1];
        int status = key.handle().call(key, k -> SoterFfi.soter_authenticate(k, resultJson, resultJson.length,
                signature, signature.length, s, out, err));
        Reference.reachabilityFence(s);
        Errors.check(status, err);
        return ResultJson.consume(out[0]);
    }

    /**
     * Verifies an AuthKey export ({@code {"pub_key","cpu_id","counter","uid"}}, signed by the ASK)
     * with the device's ASK public key (trusted by other means; the {@link Ask} overloads take a
     * verified ASK), and loads the AuthKey's public key.
     *
     * @param ask the device's ASK public key
     * @param authKeyJson the AuthKey JSON exactly as received
     * @param signature its signature: base64 (any variant) or raw bytes
     * @return the verified AuthKey; close it (or its key) when done
     * @throws SignatureInvalidException when the ASK did not sign this JSON
     * @throws MalformedSignatureException when the signature cannot be one by the ASK
     * @throws SoterException for JSON errors, an unusable {@code pub_key} and other failures
     * @throws IllegalStateException when the ASK is closed
     */
    public static AuthKey verifyAuthKey(PublicKey ask, byte[] authKeyJson, byte[] signature) {
        Objects.requireNonNull(ask, "ASK must not be null");
        Objects.requireNonNull(authKeyJson, "AuthKey JSON must not be null");
        Objects.requireNonNull(signature, "signature must not be null");
        long[] out = new long[1];
        long[] err = new long[1];
        int status = ask.handle().call(ask, k -> SoterFfi.soter_verify_auth_key(k, authKeyJson, authKeyJson.length,
                signature, signature.length, out, err));
        Errors.check(status, err);
        return takeAuthKey(out[0]);
    }

    /** Copies a SoterAuthKey into an {@link AuthKey} (its fields in one call) and frees it. */
    private static AuthKey takeAuthKey(long ak) {
        Packed p;
        PublicKey pk;
        try {
            long[] keyOut = new long[1];
            long[] err2 = new long[1];
            Errors.check(SoterFfi.soter_auth_key_public_key(ak, keyOut, err2), err2);
            pk = new PublicKey(keyOut[0]);
            p = Packed.read(ak, SoterFfi::soter_auth_key_pack, 8, -1, 3);
        } finally {
            SoterFfi.soter_auth_key_free(ak);
        }
        return new AuthKey(pk, p.text(0), p.text(1), p.head.getLong(0), p.text(2));
    }

    /**
     * Verifies an AuthKey export with the device's trusted {@link Ask}: the ASK's attested salt
     * length is used, and the AuthKey's cpu_id and uid must be the ASK's.
     *
     * @param ask the device's ASK (from {@link #verifyAskChain}, {@link WeChatClient#soterVerifyAsk}
     *     or {@link Ask#fromStored})
     * @param authKeyJson the AuthKey JSON exactly as received
     * @param signature its signature (raw bytes or base64 text)
     * @return the verified AuthKey; close it when done
     * @throws SignatureInvalidException when the ASK did not sign these bytes
     * @throws DeviceMismatchException when the AuthKey is for another device
     * @throws SoterException for malformed input
     * @throws IllegalStateException when {@code ask} is closed
     */
    public static AuthKey verifyAuthKey(Ask ask, byte[] authKeyJson, byte[] signature) {
        Objects.requireNonNull(ask, "ASK must not be null");
        Objects.requireNonNull(authKeyJson, "AuthKey JSON must not be null");
        Objects.requireNonNull(signature, "signature must not be null");
        long[] out = new long[1];
        long[] err = new long[1];
        int status = ask.handle().call(ask, a -> SoterFfi.soter_verify_auth_key_with_ask(a, authKeyJson,
                authKeyJson.length, signature, signature.length, out, err));
        Errors.check(status, err);
        return takeAuthKey(out[0]);
    }

    /**
     * As {@link #verifyAuthKey(Ask, byte[], byte[])} with the JSON and base64 signature as Strings (UTF-8).
     *
     * @param ask the device's ASK
     * @param authKeyJson the AuthKey JSON as received
     * @param signature its base64 signature
     * @return the verified AuthKey
     * @throws SoterException as for {@link #verifyAuthKey(Ask, byte[], byte[])}
     */
    public static AuthKey verifyAuthKey(Ask ask, String authKeyJson, String signature) {
        byte[] json = Utf8.encode(authKeyJson, "AuthKey JSON");
        return verifyAuthKey(ask, json, Utf8.encode(signature, "signature"));
    }

    /**
     * Verifies a certificate-chain ASK (SOTER 2.0, Huawei key attestation) locally, with the
     * built-in roots and validity checked now.
     *
     * @param certs what the device sent: {@code {"certs":[PEM...]}} (escaped or not), a JSON array,
     *     a PEM bundle or DER
     * @return the ASK; close it when done
     * @throws CertificateInvalidException as for {@link #verifyAskChain(byte[], List, Instant)}
     * @throws SoterException for unusable input
     */
    public static Ask verifyAskChain(byte[] certs) {
        return verifyAskChain(certs, List.of(), null);
    }

    /**
     * Verifies a certificate-chain ASK locally. Each certificate must be signed by the next (RSA
     * PKCS#1 v1.5, RSA-PSS with SHA-256, ECDSA P-256), the last must be a trusted root (the Huawei
     * CBG Root CA is built in; {@code roots} adds more), the issuers above the device certificate
     * must be CAs, all must be valid at {@code at}, and the leaf must carry the key-attestation
     * extension with the device's SOTER JSON. Top-level cpu_id/uid/counter next to {@code certs}
     * must agree with it.
     *
     * @param certs what the device sent (see {@link #verifyAskChain(byte[])})
     * @param roots extra trusted root certificates (PEM or DER), possibly empty
     * @param at when to check validity; null means now
     * @return the ASK; close it when done
     * @throws UntrustedRootException when the chain is sound but its root is not trusted
     * @throws CertificateInvalidException for any other chain problem (the message names the
     *     certificate by position and subject)
     * @throws SoterException for unusable input (too large, broken JSON)
     */
    public static Ask verifyAskChain(byte[] certs, List<byte[]> roots, Instant at) {
        return verifyAskChain(certs, roots, at, AttestationPolicy.DEFAULT, null);
    }

    /**
     * {@link #verifyAskChain(byte[], List, Instant)} with the attestation policy relaxed as
     * {@code policy} says and Google's attestation status list.
     *
     * @param certs what the device sent (see {@link #verifyAskChain(byte[])})
     * @param roots extra trusted root certificates (PEM or DER), possibly empty
     * @param at when to check validity; null means now
     * @param policy what the leaf's KeyDescription must say ({@link AttestationPolicy#DEFAULT})
     * @param revocations Google's attestation status list JSON; null for none
     * @return the ASK; close it when done
     * @throws CertificateRevokedException when a certificate of the chain is listed
     * @throws CertificateInvalidException for any other chain or policy problem
     */
    public static Ask verifyAskChain(byte[] certs, List<byte[]> roots, Instant at, AttestationPolicy policy,
            byte[] revocations) {
        Objects.requireNonNull(policy, "policy must not be null (use AttestationPolicy.DEFAULT)");
        Objects.requireNonNull(certs, "certs must not be null");
        Objects.requireNonNull(roots, "roots must not be null (use List.of())");
        AskNative.load();
        Memory r = AskNative.bytesArray(roots);
        long[] out = new long[1];
        long[] err = new long[1];
        int st = SoterFfi.soter_verify_ask_chain_policy(certs, certs.length, r, roots.size(),
                (byte) (at != null ? 1 : 0), seconds(at), policy.flags(), revocations,
                revocations == null ? 0 : revocations.length, out, err);
        Reference.reachabilityFence(r);
        Errors.check(st, err);
        return new Ask(out[0]);
    }

    /**
     * As {@link #verifyAskChain(byte[], List, Instant)} with the chain and roots as text (PEM, JSON).
     *
     * @param certs what the device sent
     * @param roots extra trusted root certificates (PEM), possibly empty
     * @param at when to check validity; null means now
     * @return the ASK; close it when done
     * @throws SoterException as for {@link #verifyAskChain(byte[], List, Instant)}
     */
    public static Ask verifyAskChain(String certs, List<String> roots, Instant at) {
        Objects.requireNonNull(certs, "certs must not be null");
        Objects.requireNonNull(roots, "roots must not be null (use List.of())");
        List<byte[]> r = new ArrayList<>();
        for (String s : roots) {
            r.add(Utf8.encode(s, "a root"));
        }
        return verifyAskChain(Utf8.encode(certs, "certs"), r, at);
    }

    /**
     * As {@link #verifyAskChain(byte[], List, Instant)} for certificates given one by one (each PEM
     * or DER), leaf first.
     *
     * @param certs the certificates, leaf first
     * @param roots extra trusted root certificates (PEM or DER), possibly empty
     * @param at when to check validity; null means now
     * @return the ASK; close it when done
     * @throws SoterException as for {@link #verifyAskChain(byte[], List, Instant)}
     */
    public static Ask verifyAskChain(List<byte[]> certs, List<byte[]> roots, Instant at) {
        Objects.requireNonNull(certs, "certs must not be null");
        Objects.requireNonNull(roots, "roots must not be null (use List.of())");
        for (byte[] c : certs) {
            Objects.requireNonNull(c, "a certificate must not be null");
        }
        AskNative.load();
        Memory c = AskNative.bytesArray(certs);
        Memory r = AskNative.bytesArray(roots);
        long[] out = new long[1];
        long[] err = new long[1];
        int st = SoterFfi.soter_verify_ask_chain_certs(c, certs.size(), r, roots.size(),
                (byte) (at != null ? 1 : 0), seconds(at), out, err);
        Reference.reachabilityFence(c);
        Reference.reachabilityFence(r);
        Errors.check(st, err);
        return new Ask(out[0]);
    }

    private static long seconds(Instant at) {
        return at == null ? 0 : at.getEpochSecond();
    }

    /**
     * As {@link #verifyAuthKey(PublicKey, byte[], byte[])} with a base64 signature.
     *
     * @param ask the device's ASK public key
     * @param authKeyJson the AuthKey JSON exactly as received
     * @param signature its base64 signature
     * @return the verified AuthKey
     * @throws SoterException as for {@link #verifyAuthKey(PublicKey, byte[], byte[])}
     */
    public static AuthKey verifyAuthKey(PublicKey ask, byte[] authKeyJson, String signature) {
        return verifyAuthKey(ask, authKeyJson, Utf8.encode(signature, "signature"));
    }

    /**
     * As {@link #verifyAuthKey(PublicKey, byte[], String)} with the JSON held as a String (UTF-8).
     *
     * @param ask the device's ASK public key
     * @param authKeyJson the AuthKey JSON as received
     * @param signature its base64 signature
     * @return the verified AuthKey
     * @throws SoterException as for {@link #verifyAuthKey(PublicKey, byte[], byte[])}
     */
    public static AuthKey verifyAuthKey(PublicKey ask, String authKeyJson, String signature) {
        return verifyAuthKey(ask, Utf8.encode(authKeyJson, "AuthKey JSON"), signature);
    }
}
