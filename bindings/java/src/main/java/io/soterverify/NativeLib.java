package io.soterverify;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * Direct-mapped (JNA {@code Native.register}) functions of {@code libsoter_verify}.
 *
 * <p>Pointers are passed as {@code long} (64-bit Linux: 64-bit pointers and {@code size_t}), out
 * parameters as one-element primitive arrays. Loading order: {@code jna.library.path} (the
 * development override) and the system's library path, as JNA searches them; then the library
 * bundled in the jar for this OS, architecture and libc ({@link NativePlatform}).
 */
final class NativeLib {
    /** The C ABI version this package was written for ({@code SOTER_ABI_VERSION}). */
    static final int ABI_VERSION = SoterFfi.ABI_VERSION;
    static final String LIBRARY = "soter_verify";

    static final NativeLibrary LIB;

    /** Hides the class path from JNA's search by name, which would take linux-x86-64/ whatever the libc. */
    private static final ClassLoader NO_RESOURCES = new ClassLoader(null) {};

    static {
        NativeLibrary lib = load(NativeLib.class.getClassLoader());
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

    private static NativeLibrary load(ClassLoader loader) {
        NativePlatform.Target target = NativePlatform.current();
        Optional<String> bundled = NativePlatform.select(target,
                p -> loader.getResource(NativePlatform.resource(p)) != null);
        try {
            Class.forName("com.sun.jna.Native", true, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            // On a platform without a bundled library (JNA may lack its own there too), that is the news.
            throw error(bundled.isPresent() ? "JNA's native support did not load, so no native library can: " + e
                    : NativePlatform.noLibraryMessage(target, NativePlatform.carried(loader))
                            + " (JNA's own native support did not load either: " + e + ")", e);
        }
        UnsatisfiedLinkError byName;
        try {
            return NativeLibrary.getInstance(LIBRARY, Map.of(Library.OPTION_CLASSLOADER, NO_RESOURCES));
        } catch (UnsatisfiedLinkError e) {
            byName = e;
        }
        File override = overrideFile();
        if (override != null) {
            // An explicit choice: its failure is the error, not a reason to take the bundled one.
            throw error("cannot load " + override + " (found through -Djna.library.path): " + byName.getMessage(), byName);
        }
        String prefix = bundled.orElseThrow(
                () -> error(NativePlatform.noLibraryMessage(target, NativePlatform.carried(loader)), byName));
        String resource = NativePlatform.resource(prefix);
        File file;
        try {
            file = Native.extractFromResourcePath("/" + resource, loader);
        } catch (IOException e) {
            throw error("cannot extract " + resource + " from the jar (" + e.getMessage() + "): set -Djna.tmpdir "
                    + "to a writable directory that allows executable mappings", e);
        }
        // A copy out of a jar goes once mapped (as JNA does with its own); a class-path directory's file stays.
        boolean copy = !"file".equals(loader.getResource(resource).getProtocol());
        try {
            return NativeLibrary.getInstance(file.getAbsolutePath(), Map.of(Library.OPTION_CLASSLOADER, loader));
        } catch (UnsatisfiedLinkError e) {
            throw error("cannot load the bundled " + resource + " on " + target.describe() + ": " + e.getMessage(), e);
        } finally {
            if (copy && !file.delete()) {
                file.deleteOnExit();
            }
        }
    }

    /** The library file in a directory of jna.library.path, if there is one. */
    private static File overrideFile() {
        String path = System.getProperty("jna.library.path");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            File f = new File(dir.trim(), System.mapLibraryName(LIBRARY));
            if (!dir.isBlank() && f.isFile()) {
                return f;
            }
        }
        return null;
    }

    private static UnsatisfiedLinkError error(String message, Throwable cause) {
        UnsatisfiedLinkError err = new UnsatisfiedLinkError(message.startsWith("soter-verify:") ? message
                : "soter-verify: " + message);
        err.initCause(cause);
        return err;
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
