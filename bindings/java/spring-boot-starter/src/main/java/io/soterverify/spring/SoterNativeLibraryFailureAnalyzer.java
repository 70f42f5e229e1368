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
    /** What the release jar bundles: the platforms supported without building the library yourself. */
    static final String SUPPORTED = "Linux x86-64 and aarch64, each with glibc 2.17 or later or with musl (Alpine), "
            + "from the libraries bundled in the soter-verify jar (the message above names those this jar carries)";

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
                "soter-verify supports " + SUPPORTED + ". On macOS or Windows, run the service in a Linux "
                        + "container (it then loads the bundled Linux library). On another platform, build the "
                        + "library from the soter-verify sources for it (`make build`) and start the JVM with "
                        + "-Djna.library.path pointing at the directory holding it; on a supported one, check that "
                        + "the jar's library can be extracted (a writable java.io.tmpdir or jna.tmpdir) and that "
                        + "jna.library.path does not hold a library of another version.",
                cause);
    }

    /** The JVM's view of the platform (os.name, os.arch). */
    static String platform() {
        return System.getProperty("os.name", "?") + " " + System.getProperty("os.arch", "?").toLowerCase(Locale.ROOT)
                + ", Java " + Runtime.version();
    }
}
