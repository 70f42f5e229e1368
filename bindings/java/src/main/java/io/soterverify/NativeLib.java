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
    static final int ABI_VERSION = SoterFfi.ABI_VERSION;
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
        // The ABI check through plain function lookups: SoterFfi, which registers its natives on
        // LIB, may be the class whose initialisation got here (see registered()).
        int abi = lib.getFunction("soter_abi_version").invokeInt(new Object[0]);
        if (abi != ABI_VERSION) {
            throw new UnsatisfiedLinkError("soter-verify: the loaded libsoter_verify (" + lib.getFile()
                    + ", version " + cString(Pointer.nativeValue(lib.getFunction("soter_version")
                            .invokePointer(new Object[0]))) + ") has C ABI version " + abi
                    + ", but this jar needs ABI version " + ABI_VERSION
                    + ". Use the library built from the same source as the jar (check jna.library.path).");
        }
        LIB = lib;
    }

    private NativeLib() {}

    /** Forces loading, the ABI check and the registration of the natives. */
    static void load() {
        SoterFfi.load();
    }

    /** Called by the generated SoterFfi once its natives are registered. */
    static void registered() {
        try {
            NativeLog.install(); // log events to System.Logger "io.soterverify"
        } catch (LinkageError e) {
            // logging unavailable; everything else works
        }
    }

    static String version() {
        return cString(SoterFfi.soter_version());
    }

    static String statusName(int status) {
        return cString(SoterFfi.soter_status_name(status));
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

    // ---- keys ----

    // ---- resultJSON ----

    // ---- authenticate, AuthKey, challenge ----

    // SoterField
    static final int FIELD_RAW = SoterFfi.FIELD_RAW;
    static final int FIELD_FID = SoterFfi.FIELD_FID;
    static final int FIELD_TEE_N = SoterFfi.FIELD_TEE_N;
    static final int FIELD_TEE_V = SoterFfi.FIELD_TEE_V;
    static final int FIELD_FP_N = SoterFfi.FIELD_FP_N;
    static final int FIELD_FP_V = SoterFfi.FIELD_FP_V;
    static final int FIELD_CPU_ID = SoterFfi.FIELD_CPU_ID;
    static final int FIELD_UID = SoterFfi.FIELD_UID;
    static final int FIELD_PUB_KEY = SoterFfi.FIELD_PUB_KEY;

    static final int CHALLENGE_LEN = SoterFfi.CHALLENGE_LEN;
}
