package io.soterverify;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Direct-mapped (JNA {@code Native.register}) functions of {@code libsoter_verify}.
 *
 * <p>Pointers are passed as {@code long} (x86-64 Linux: 64-bit pointers and {@code size_t}), out
 * parameters as one-element primitive arrays. Loading order: {@code jna.library.path} (the
 * development override), then the library bundled in the jar under {@code linux-x86-64/}.
 */
final class NativeLib {
    /** The C ABI version this package was written for ({@code SOTER_ABI_VERSION}). */
    static final int ABI_VERSION = 3;
    static final String LIBRARY = "soter_verify";

    static final NativeLibrary LIB;

    static {
        NativeLibrary lib;
        try {
            lib = NativeLibrary.getInstance(LIBRARY,
                    Map.of(Library.OPTION_CLASSLOADER, NativeLib.class.getClassLoader()));
        } catch (UnsatisfiedLinkError e) {
            UnsatisfiedLinkError err = new UnsatisfiedLinkError(
                    "soter-verify: cannot load libsoter_verify.so. It is bundled in the soter-verify jar under "
                    + "linux-x86-64/ (only Linux x86-64 is bundled); for development point -Djna.library.path "
                    + "at the directory holding it (e.g. target/x86_64-unknown-linux-gnu/release after `make build`). Cause: "
                    + e.getMessage());
            err.initCause(e);
            throw err;
        }
        Native.register(NativeLib.class, lib);
        LIB = lib;
        int abi = soter_abi_version();
        if (abi != ABI_VERSION) {
            throw new UnsatisfiedLinkError("soter-verify: the loaded libsoter_verify (" + lib.getFile()
                    + ", version " + version() + ") has C ABI version " + abi + ", but this jar needs ABI version "
                    + ABI_VERSION + ". Use the library built from the same source as the jar (check jna.library.path).");
        }
        try {
            NativeLog.install(); // log events to System.Logger "io.soterverify"
        } catch (LinkageError e) {
            // logging unavailable; everything else works
        }
    }

    private NativeLib() {}

    /** Forces loading and the ABI check. */
    static void load() {}

    static String version() {
        return cString(soter_version());
    }

    static String statusName(int status) {
        return cString(soter_status_name(status));
    }

    /** A NUL-terminated UTF-8 string (borrowed), or "" for NULL. */
    static String cString(long p) {
        return p == 0 ? "" : new Pointer(p).getString(0, StandardCharsets.UTF_8.name());
    }

    /** Copies {@code len} borrowed bytes at {@code p} into a Java String (UTF-8). */
    static String utf8(long p, long len) {
        if (len == 0) {
            return "";
        }
        if (p == 0 || len > Integer.MAX_VALUE) {
            throw new IllegalStateException("soter-verify: the library returned an invalid string");
        }
        return new String(new Pointer(p).getByteArray(0, (int) len), StandardCharsets.UTF_8);
    }

    // ---- version, status, errors ----
    static native int soter_abi_version();
    static native long soter_version();
    static native long soter_status_name(int status);
    static native int soter_error_status(long err);
    static native long soter_error_message(long err);
    /** C {@code bool} is one byte: mapped as {@code byte}, never as a 4-byte Java boolean. */
    static native byte soter_error_errcode(long err, long[] errcode);
    static native long soter_error_errmsg(long err);
    static native void soter_error_free(long err);
    static native void soter_string_free(long s);

    // ---- keys ----
    static native int soter_key_load(byte[] data, long len, long[] out, long[] err);
    static native void soter_key_free(long key);
    static native int soter_key_bits(long key);
    static native byte soter_key_equal(long a, long b);
    static native int soter_key_to_pem(long key, long[] out, long[] outLen, long[] err);
    static native int soter_key_verify(long key, byte[] message, long messageLen, byte[] signature,
            long signatureLen, int saltLen, int[] outSaltLen, long[] err);

    // ---- resultJSON ----
    static native int soter_result_json_parse(byte[] data, long len, long[] out, long[] err);
    static native void soter_result_json_free(long result);
    static native int soter_result_json_get(long result, int field, long[] ptr, long[] len);
    static native long soter_result_json_counter(long result);
    static native int soter_result_json_salt_len(long result);
    static native long soter_result_json_extra_count(long result);
    static native int soter_result_json_extra(long result, long index, long[] name, long[] nameLen,
            long[] value, long[] valueLen);
    static native long soter_result_json_pack(long result, byte[] buf, long cap);

    // ---- authenticate, AuthKey, challenge ----
    static native int soter_authenticate(long key, byte[] resultJson, long resultJsonLen, byte[] signature,
            long signatureLen, Pointer expect, long[] out, long[] err);
    static native int soter_verify_auth_key(long ask, byte[] json, long jsonLen, byte[] signature,
            long signatureLen, long[] out, long[] err);
    static native void soter_auth_key_free(long authKey);
    static native int soter_auth_key_public_key(long authKey, long[] out, long[] err);
    static native int soter_auth_key_get(long authKey, int field, long[] ptr, long[] len);
    static native long soter_auth_key_counter(long authKey);
    static native long soter_auth_key_pack(long authKey, byte[] buf, long cap);
    static native int soter_new_challenge(byte[] buf, long cap, long[] outLen, long[] err);

    // SoterField
    static final int FIELD_RAW = 0;
    static final int FIELD_FID = 1;
    static final int FIELD_TEE_N = 2;
    static final int FIELD_TEE_V = 3;
    static final int FIELD_FP_N = 4;
    static final int FIELD_FP_V = 5;
    static final int FIELD_CPU_ID = 6;
    static final int FIELD_UID = 7;
    static final int FIELD_PUB_KEY = 8;

    static final int CHALLENGE_LEN = 43;
}
