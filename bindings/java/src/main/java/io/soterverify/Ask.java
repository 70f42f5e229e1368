package io.soterverify;

import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A trusted ASK: a device's app key and the device identity it was issued for. Both ASK formats
 * give one: {@link Soter#verifyAskChain} (a certificate chain, checked locally) and
 * {@link WeChatClient#soterVerifyAsk} (classic, checked by WeChat). Store it by device
 * ({@link #cpuId()} + {@link #uid()}; keep {@link #publicKey()}{@code .toPem()} and
 * {@link #rsaPssSaltlen()}), rebuild it with {@link #fromStored}, and pass it to
 * {@link Soter#verifyAuthKey(Ask, byte[], byte[])} for that device's AuthKeys.
 *
 * <p>Thread-safe. Closing it frees the native ASK and closes its {@link #publicKey()}; idempotent.
 */
public final class Ask implements AutoCloseable {
    /** Where an ASK came from. */
    public enum Format {
        /** The ASK export JSON signed by ATTK, verified by WeChat ({@code verify_ask}). */
        CLASSIC,
        /** A key-attestation certificate chain verified locally. */
        CERTIFICATE_CHAIN
    }

    private final NativeHandle handle;
    private final Cleaner.Cleanable cleanable;
    private final PublicKey publicKey;
    private final String cpuId;
    private final String uid;
    private final long counter;
    private final OptionalInt rsaPssSaltlen;
    private final Format format;
    private final List<String> subjects;
    private final Optional<String> rootSpkiSha256;
    private final String signedJson;

    /** Takes ownership of a SoterAsk pointer. */
    Ask(long ptr) {
        AskNative.load();
        this.handle = new NativeHandle(ptr, SoterFfi::soter_ask_free, "Ask");
        this.cleanable = NativeHandle.CLEANER.register(this, handle);
        long[] key = new long[1];
        long[] err = new long[1];
        try {
            Errors.check(SoterFfi.soter_ask_public_key(ptr, key, err), err);
        } catch (RuntimeException e) {
            cleanable.clean();
            throw e;
        }
        this.publicKey = new PublicKey(key[0]);
        this.cpuId = field(ptr, 0, 0);
        this.uid = field(ptr, 1, 0);
        this.signedJson = field(ptr, 2, 0);
        this.counter = SoterFfi.soter_ask_counter(ptr);
        int salt = SoterFfi.soter_ask_salt_len(ptr);
        this.rsaPssSaltlen = salt < 0 ? OptionalInt.empty() : OptionalInt.of(salt);
        this.format = SoterFfi.soter_ask_format(ptr) == AskNative.FORMAT_CLASSIC ? Format.CLASSIC
                : Format.CERTIFICATE_CHAIN;
        long n = SoterFfi.soter_ask_subject_count(ptr);
        List<String> s = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            s.add(field(ptr, 3, i));
        }
        this.subjects = Collections.unmodifiableList(s);
        byte[] pin = new byte[32];
        if (SoterFfi.soter_ask_root_spki_sha256(ptr, pin) != 0) {
            StringBuilder hex = new StringBuilder();
            for (byte b : pin) {
                hex.append(String.format("%02x", b & 0xff));
            }
            this.rootSpkiSha256 = Optional.of(hex.toString());
        } else {
            this.rootSpkiSha256 = Optional.empty();
        }
    }

    private static String field(long ptr, int which, long index) {
        long[] p = new long[1];
        long[] len = new long[1];
        int st;
        switch (which) {
            case 0:
                st = SoterFfi.soter_ask_cpu_id(ptr, p, len);
                break;
            case 1:
                st = SoterFfi.soter_ask_uid(ptr, p, len);
                break;
            case 2:
                st = SoterFfi.soter_ask_signed_json(ptr, p, len);
                break;
            default:
                st = SoterFfi.soter_ask_subject(ptr, index, p, len);
        }
        if (st != 0) {
            throw new IllegalStateException("soter-verify: cannot read an ASK field (status " + st + ")");
        }
        return NativeLib.utf8(p[0], len[0]);
    }

    /**
     * Rebuilds an ASK verified earlier and stored, to check that device's later AuthKeys. Store an
     * ASK only after {@link Soter#verifyAskChain} or {@link WeChatClient#soterVerifyAsk} succeeded.
     *
     * @param publicKey the stored ASK public key (copied; close yours as usual)
     * @param cpuId the stored cpu_id
     * @param uid the stored uid
     * @param counter the stored counter (unsigned 64-bit, as {@link #counter()} returns it)
     * @param rsaPssSaltlen the stored salt length, or empty
     * @param format the stored format
     * @return the ASK; close it when done
     * @throws SoterException for an empty cpu_id/uid or a salt length above 512
     * @throws IllegalArgumentException for a negative salt length
     */
    public static Ask fromStored(PublicKey publicKey, String cpuId, String uid, long counter,
            OptionalInt rsaPssSaltlen, Format format) {
        Objects.requireNonNull(publicKey, "publicKey must not be null");
        byte[] c = Utf8.encode(cpuId, "cpuId");
        byte[] u = Utf8.encode(uid, "uid");
        Objects.requireNonNull(rsaPssSaltlen, "rsaPssSaltlen must not be null (use OptionalInt.empty())");
        if (rsaPssSaltlen.isPresent() && rsaPssSaltlen.getAsInt() < 0) {
            // -1 would silently mean "absent" to the C ABI
            throw new IllegalArgumentException("rsaPssSaltlen must not be negative (use OptionalInt.empty())");
        }
        Objects.requireNonNull(format, "format must not be null");
        AskNative.load();
        long[] out = new long[1];
        long[] err = new long[1];
        int fmt = format == Format.CLASSIC ? AskNative.FORMAT_CLASSIC : AskNative.FORMAT_CERTIFICATE_CHAIN;
        int st = publicKey.handle().call(publicKey, k -> SoterFfi.soter_ask_from_stored(k, c, c.length, u, u.length,
                counter, rsaPssSaltlen.orElse(-1), fmt, out, err));
        Errors.check(st, err);
        return new Ask(out[0]);
    }

    /**
     * The ASK public key (owned by this ASK).
     *
     * @return the key
     */
    public PublicKey publicKey() {
        return publicKey;
    }

    /**
     * The attested device's cpu_id.
     *
     * @return cpu_id
     */
    public String cpuId() {
        return cpuId;
    }

    /**
     * The attested uid (text, also when the signed JSON had a number).
     *
     * @return uid
     */
    public String uid() {
        return uid;
    }

    /**
     * The attested counter.
     *
     * @return counter
     */
    public long counter() {
        return counter;
    }

    /**
     * The salt length the device signs with, when its signed JSON says so (Huawei: 32).
     *
     * @return rsa_pss_saltlen, or empty
     */
    public OptionalInt rsaPssSaltlen() {
        return rsaPssSaltlen;
    }

    /**
     * Where the ASK came from.
     *
     * @return the format
     */
    public Format format() {
        return format;
    }

    /**
     * Subjects of the chain, leaf first (empty for a classic ASK).
     *
     * @return an unmodifiable list
     */
    public List<String> subjects() {
        return subjects;
    }

    /**
     * Lowercase hex SHA-256 of the chain root's SubjectPublicKeyInfo (empty for a classic ASK).
     *
     * @return the root pin, or empty
     */
    public Optional<String> rootSpkiSha256() {
        return rootSpkiSha256;
    }

    /**
     * The signed JSON the identity was read from (the leaf's attestationChallenge or the classic ask_json).
     *
     * @return the JSON text
     */
    public String signedJson() {
        return signedJson;
    }

    NativeHandle handle() {
        return handle;
    }

    /**
     * Whether {@link #close()} was called.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return handle.isClosed();
    }

    /** Frees the native ASK and closes the public key. Idempotent. */
    @Override
    public void close() {
        cleanable.clean();
        publicKey.close();
    }

    @Override
    public String toString() {
        return "Ask{format=" + format + ", cpuId=" + cpuId + ", uid=" + uid + ", counter=" + counter
                + ", rsaPssSaltlen=" + rsaPssSaltlen + "}";
    }
}
