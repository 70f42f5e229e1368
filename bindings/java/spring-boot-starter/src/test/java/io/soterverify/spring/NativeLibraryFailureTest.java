package io.soterverify.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * A native library that cannot load stops the application with Spring Boot's "APPLICATION FAILED
 * TO START" report naming the platform and what is supported. The load fails for real in a child
 * JVM: {@code jna.noclasspath} keeps JNA from unpacking native code from the class path, where
 * both its own and soter-verify's are.
 */
class NativeLibraryFailureTest {
    @SpringBootConfiguration
    @ImportAutoConfiguration(SoterAutoConfiguration.class)
    static class App {
        /** The child JVM's entry point: starts the application, which must fail. */
        public static void main(String[] args) {
            new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                    .properties("spring.main.banner-mode=off").run(args);
        }
    }

    @Test
    void theReportNamesThePlatformAndWhatIsSupported() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djna.noclasspath=true", "-cp", System.getProperty("java.class.path"), App.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("LD_LIBRARY_PATH");
        Process child = pb.start();
        try {
            String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child JVM did not exit");
            assertEquals(1, child.exitValue(), out);
            assertTrue(out.contains("APPLICATION FAILED TO START"), out);
            String report = out.substring(out.indexOf("APPLICATION FAILED TO START"));
            assertTrue(report.contains("soter-verify could not load its native library"), report);
            assertTrue(report.contains(System.getProperty("os.name") + " " + System.getProperty("os.arch")), report);
            assertTrue(report.contains(SoterNativeLibraryFailureAnalyzer.SUPPORTED), report);
            assertTrue(report.contains("-Djna.library.path"), report);
        } finally {
            child.destroyForcibly();   // by its own handle: only the process this test started
        }
    }

    @Test
    void otherLinkageErrorsAreNotOurs() {
        SoterNativeLibraryFailureAnalyzer analyzer = new SoterNativeLibraryFailureAnalyzer();
        assertNull(analyzer.analyze(new UnsatisfiedLinkError("no libfoo in java.library.path")));
        assertNull(analyzer.analyze(new NoClassDefFoundError("com/example/Missing")));
        // A later use of the class whose first load failed.
        FailureAnalysis later = analyzer.analyze(new RuntimeException(
                new NoClassDefFoundError("Could not initialize class io.soterverify.NativeLib")));
        assertNotNull(later);
        assertTrue(later.getAction().contains(SoterNativeLibraryFailureAnalyzer.SUPPORTED));
    }
}
