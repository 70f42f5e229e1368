package io.soterverify;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.util.List;

/**
 * Direct-mapped functions for trusted ASKs (src/ffi/attestation.rs, and the WeChat client's
 * verify_ask/is_support), registered on first use. Conventions as in {@link NativeLib}.
 */
final class AskNative {
    static {
        NativeLib.load();
        Native.register(AskNative.class, NativeLib.LIB);
    }

    private AskNative() {}

    static void load() {}

    static final int FORMAT_CLASSIC = 0;
    static final int FORMAT_CERTIFICATE_CHAIN = 1;

    /** {@code roots}/{@code certs}: arrays of SoterBytes {const uint8_t *data; size_t len}. */
    static native int soter_verify_ask_chain(byte[] chain, long chainLen, Pointer roots, long rootsCount,
            byte hasAt, long at, long[] out, long[] err);
    static native int soter_verify_ask_chain_certs(Pointer certs, long certsCount, Pointer roots, long rootsCount,
            byte hasAt, long at, long[] out, long[] err);
    static native int soter_ask_from_stored(long key, byte[] cpuId, long cpuIdLen, byte[] uid, long uidLen,
            long counter, int saltLen, int format, long[] out, long[] err);
    static native void soter_ask_free(long ask);
    static native int soter_ask_public_key(long ask, long[] out, long[] err);
    static native int soter_ask_cpu_id(long ask, long[] ptr, long[] len);
    static native int soter_ask_uid(long ask, long[] ptr, long[] len);
    static native int soter_ask_signed_json(long ask, long[] ptr, long[] len);
    static native long soter_ask_counter(long ask);
    static native int soter_ask_salt_len(long ask);
    static native int soter_ask_format(long ask);
    static native long soter_ask_subject_count(long ask);
    static native int soter_ask_subject(long ask, long index, long[] ptr, long[] len);
    static native byte soter_ask_root_spki_sha256(long ask, byte[] out32);
    static native int soter_verify_auth_key_with_ask(long ask, byte[] json, long jsonLen, byte[] signature,
            long signatureLen, long[] out, long[] err);

    static native int soter_wechat_soter_verify_ask(long client, byte[] json, long jsonLen, byte[] sig, long sigLen,
            long[] out, long[] err);
    static native int soter_wechat_soter_is_support(long client, byte[] model, long modelLen, byte[] isSupport,
            int[] supportType, long[] err);

    // --- Key attestation (issue 22): kept in one block for the generated declarations. ---
    static native int soter_verify_key_attestation(Pointer certs, long certsCount, Pointer roots, long rootsCount,
            byte hasAt, long at, byte[] revocations, long revocationsLen, long[] out, long[] err);
    static native void soter_key_attestation_free(long attestation);
    static native int soter_key_attestation_json(long attestation, long[] ptr, long[] len);
    static native int soter_verify_ask_chain_policy(byte[] chain, long chainLen, Pointer roots, long rootsCount,
            byte hasAt, long at, int policyFlags, byte[] revocations, long revocationsLen, long[] out, long[] err);
    // --- end of the key attestation block ---

    /**
     * A SoterBytes array over {@code items}. The returned memory holds the items' copies too, so it
     * keeps them alive as long as it is reachable; null for an empty list.
     */
    static Memory bytesArray(List<byte[]> items) {
        if (items.isEmpty()) {
            return null;
        }
        long total = 16L * items.size();
        for (byte[] b : items) {
            total += b.length;
        }
        Memory m = new Memory(Math.max(total, 1));
        long data = 16L * items.size();
        for (int i = 0; i < items.size(); i++) {
            byte[] b = items.get(i);
            m.setPointer(16L * i, b.length == 0 ? null : m.share(data));
            m.setLong(16L * i + 8, b.length);
            m.write(data, b, 0, b.length);
            data += b.length;
        }
        return m;
    }
}
