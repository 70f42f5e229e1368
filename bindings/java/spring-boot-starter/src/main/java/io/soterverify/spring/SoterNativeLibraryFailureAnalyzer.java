package io.soterverify.spring;

import java.util.Locale;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns soter-verify's native library failing to load (an unsupported platform, a missing or
 * mismatched {@code libsoter_verify.so}) into Spring Boot's "APPLICATION FAILED TO START" report,
 * naming this platform and the supported one, instead of a stack trace ending in
 * {@link UnsatisfiedLinkError}. Registered in {@code META-INF/spring.factories}.
 */
public final class SoterNativeLibraryFailureAnalyzer extends AbstractFailureAnalyzer<LinkageError> {
    /** What the jar bundles: the one platform supported without building the library yourself. */
    static final String SUPPORTED = "Linux x86-64 with glibc 2.17 or later (the library bundled in the soter-verify "
            + "jar)";

    /** Creates the analyzer (Spring Boot does, at a startup failure). */
    public SoterNativeLibraryFailureAnalyzer() {}

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, LinkageError cause) {
        // Ours only: the first load throws the library's UnsatisfiedLinkError ("soter-verify: ..."),
        // a later use of the failed class a NoClassDefFoundError naming io.soterverify.
        String m = String.valueOf(cause.getMessage());
        boolean ours = (cause instanceof UnsatisfiedLinkError && m.startsWith("soter-verify:"))
                || (cause instanceof NoClassDefFoundError && m.contains("io.soterverify."));
        if (!ours) {
            return null;
        }
        return new FailureAnalysis("soter-verify could not load its native library (libsoter_verify) on this platform: "
                + platform() + ".\n\n" + m,
                "soter-verify supports " + SUPPORTED + ". On another platform, build the library from the "
                        + "soter-verify sources for it (`make build`) and start the JVM with -Djna.library.path "
                        + "pointing at the directory holding it; on Linux x86-64, check that the jar's "
                        + "linux-x86-64/libsoter_verify.so can be extracted (a writable java.io.tmpdir or "
                        + "jna.tmpdir) and that jna.library.path does not hold a library of another version.",
                cause);
    }

    /** The JVM's view of the platform: what JNA chose the library by. */
    static String platform() {
        return System.getProperty("os.name", "?") + " " + System.getProperty("os.arch", "?").toLowerCase(Locale.ROOT)
                + ", Java " + Runtime.version();
    }
}
