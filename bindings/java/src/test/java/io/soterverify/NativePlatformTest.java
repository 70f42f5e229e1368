package io.soterverify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.soterverify.NativePlatform.Target;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Choosing the bundled library by OS, architecture and libc; and the error when none fits. */
class NativePlatformTest {
    private static final Set<String> RELEASE =
            Set.of("linux-x86-64", "linux-aarch64", "linux-x86-64-musl", "linux-aarch64-musl");
    private static final Set<String> DEVELOPMENT = Set.of("linux-x86-64");

    private static Optional<String> select(String jnaPrefix, String libc, Set<String> carried) {
        return NativePlatform.select(NativePlatform.of(jnaPrefix, libc), carried::contains);
    }

    @Test
    void eachLinuxTargetGetsItsOwnBuild() {
        assertEquals(Optional.of("linux-x86-64"), select("linux-x86-64", "glibc", RELEASE));
        assertEquals(Optional.of("linux-aarch64"), select("linux-aarch64", "glibc", RELEASE));
        assertEquals(Optional.of("linux-x86-64-musl"), select("linux-x86-64", "musl", RELEASE));
        assertEquals(Optional.of("linux-aarch64-musl"), select("linux-aarch64", "musl", RELEASE));
        assertEquals(Optional.of("linux-x86-64"), select("linux-x86-64", "glibc", DEVELOPMENT));
    }

    @Test
    void noFallbackAcrossLibcOrArchitecture() {
        // A glibc build on musl (or the reverse) would fail to load or misbehave: no fit is the answer.
        assertEquals(Optional.empty(), select("linux-x86-64", "musl", DEVELOPMENT));
        assertEquals(Optional.empty(), select("linux-x86-64", "glibc", Set.of("linux-x86-64-musl")));
        assertEquals(Optional.empty(), select("linux-aarch64", "glibc", DEVELOPMENT));
        assertEquals(Optional.empty(), select("linux-riscv64", "glibc", RELEASE));
        assertEquals(Optional.empty(), select("linux-arm", "glibc", RELEASE));
    }

    @Test
    void macOsAndWindowsHaveNoBuild() {
        assertEquals(Optional.empty(), select("darwin-aarch64", "", RELEASE));
        assertEquals(Optional.empty(), select("darwin-x86-64", "", RELEASE));
        assertEquals(Optional.empty(), select("win32-x86-64", "", RELEASE));
        // The libc is a Linux notion: ignored elsewhere.
        assertEquals(new Target("darwin", "aarch64", ""), NativePlatform.of("darwin-aarch64", "glibc"));
    }

    @Test
    void messageNamesThePlatformTheJarsLibrariesAndContainers() {
        String mac = NativePlatform.noLibraryMessage(NativePlatform.of("darwin-aarch64", ""), new TreeSet<>(RELEASE));
        assertTrue(mac.startsWith("soter-verify: "), mac);
        assertTrue(mac.contains("macOS aarch64"), mac);
        for (String p : RELEASE) {
            assertTrue(mac.contains(p + "/libsoter_verify.so"), mac);
        }
        assertTrue(mac.contains("Linux x86-64 (musl)") && mac.contains("Linux aarch64 (glibc)"), mac);
        assertTrue(mac.contains("Linux container"), mac);
        String win = NativePlatform.noLibraryMessage(NativePlatform.of("win32-x86-64", ""), new TreeSet<>(RELEASE));
        assertTrue(win.contains("Windows x86-64") && win.contains("Linux container"), win);

        String alpine = NativePlatform.noLibraryMessage(NativePlatform.of("linux-x86-64", "musl"),
                new TreeSet<>(DEVELOPMENT));
        assertTrue(alpine.contains("Linux x86-64 (musl)"), alpine);
        assertTrue(alpine.contains("carries: linux-x86-64/libsoter_verify.so (Linux x86-64 (glibc))."), alpine);
        assertTrue(alpine.contains("-Dsoter.dist=true"), alpine);
        assertFalse(alpine.contains("container"), alpine);
        assertTrue(alpine.contains("-Djna.library.path"), alpine);

        String none = NativePlatform.noLibraryMessage(NativePlatform.of("linux-riscv64", "glibc"), new TreeSet<>());
        assertTrue(none.contains("Linux riscv64 (glibc)") && none.contains("carries: none."), none);
    }

    @Test
    void muslIsTheLoaderMappedIntoTheProcess() {
        // Lines of /proc/self/maps of an eclipse-temurin:17-alpine JVM and of a Debian one.
        List<String> alpine = List.of(
                "55d1c4a00000-55d1c4a01000 r--p 00000000 00:2f 1843 /opt/java/openjdk/bin/java",
                "7f0e2c000000-7f0e2c021000 rw-p 00000000 00:00 0 ",
                "7f0e3a8f0000-7f0e3a904000 r--p 00000000 00:2f 1830 /opt/java/openjdk/lib/server/libjvm.so",
                "7f0e3b9d5000-7f0e3b9e9000 r--p 00000000 00:2f 1022 /lib/ld-musl-x86_64.so.1",
                "7ffd3d5e1000-7ffd3d602000 rw-p 00000000 00:00 0 [stack]");
        assertEquals("musl", NativePlatform.libcFromMaps(alpine.stream()));
        assertEquals("musl", NativePlatform.libcFromMaps(Stream.of(
                "ffff9c000000-ffff9c0a0000 r-xp 00000000 00:2f 1022 /lib/ld-musl-aarch64.so.1")));
        // A musl program on Debian (musl-gcc): /lib/ld-musl-x86_64.so.1 links to the file mapped.
        assertEquals("musl", NativePlatform.libcFromMaps(Stream.of(
                "55a67ef7b000-55a67ef7c000 r--p 00000000 fe:00 9978021 /tmp/maps-musl",
                "7ff3524f2000-7ff352507000 r--p 00000000 fe:00 6668292 /usr/lib/x86_64-linux-musl/libc.so")));
        List<String> debian = List.of(
                "7f5b4c828000-7f5b4c850000 r--p 00000000 fe:01 1050 /usr/lib/x86_64-linux-gnu/libc.so.6",
                "7f5b4ca1e000-7f5b4ca1f000 r--p 00000000 fe:01 1047 /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
        assertEquals("glibc", NativePlatform.libcFromMaps(debian.stream()));
        assertEquals("glibc", NativePlatform.libcFromMaps(Stream.of(
                "7f5b4c828000-7f5b4c850000 r-xp 00000000 08:01 3 /lib64/libc-2.17.so")));
        assertNull(NativePlatform.libcFromMaps(Stream.of("7ffd3d5e1000-7ffd3d602000 rw-p 00000000 00:00 0 [stack]")));
    }

    @Test
    void thisJvmIsLinuxGlibcAndTheLoaderItNames() throws IOException {
        Target here = NativePlatform.current();
        assertEquals("linux", here.os(), "these tests run on Linux");
        assertEquals("glibc", here.libc(), "this machine's JVM is a glibc one");
        assertEquals("glibc", NativePlatform.detectLibc());
        byte[] java = Files.readAllBytes(Path.of(System.getProperty("java.home"), "bin", "java"));
        assertTrue(NativePlatform.elfInterpreter(java).contains("/ld-linux"), NativePlatform.elfInterpreter(java));
        assertEquals("", NativePlatform.elfInterpreter("not an ELF file at all, but long enough to parse".getBytes(
                StandardCharsets.US_ASCII)));
    }

    /** The platforms named in the error are read from the jar NativePlatform comes from. */
    @Test
    void carriedPlatformsAreReadFromTheJar(@TempDir Path tmp) throws Exception {
        Path jar = tmp.resolve("core.jar");
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar));
                var classes = Files.newDirectoryStream(classesDir().resolve("io/soterverify"), "NativePlatform*.class")) {
            for (Path c : classes) {
                out.putNextEntry(new java.util.jar.JarEntry("io/soterverify/" + c.getFileName()));
                Files.copy(c, out);
            }
            for (String e : List.of("linux-x86-64/libsoter_verify.so", "linux-aarch64-musl/libsoter_verify.so",
                    "linux-riscv64/libsoter_verify.so", "linux-aarch64/README.txt", "libsoter_verify.so")) {
                out.putNextEntry(new java.util.jar.JarEntry(e));
                out.write(1);
            }
        }
        // Its own loader over the jar and JNA only: NativePlatform and every resource come from the jar.
        try (var loader = new java.net.URLClassLoader(new java.net.URL[] {jar.toUri().toURL(),
                Path.of(jnaJar()).toUri().toURL()}, null)) {
            Class<?> np = Class.forName("io.soterverify.NativePlatform", true, loader);
            assertTrue(np.getProtectionDomain().getCodeSource().getLocation().toString().endsWith("core.jar"));
            var carried = np.getDeclaredMethod("carried", ClassLoader.class);
            carried.setAccessible(true);
            assertEquals(new TreeSet<>(List.of("linux-aarch64-musl", "linux-riscv64", "linux-x86-64")),
                    carried.invoke(null, loader));
        }
    }

    /** The real load path: the library mapped is the class path's one for this platform. */
    @Test
    void theLoadedLibraryIsTheBundledOneForThisPlatform() throws IOException {
        NativeLib.load();
        String prefix = NativePlatform.current().resourcePrefix();
        assertEquals("linux-x86-64", prefix);
        SortedSet<String> carried = NativePlatform.carried(NativeLib.class.getClassLoader());
        assertTrue(carried.contains(prefix), carried.toString());
        if (System.getProperty("jna.library.path") == null && System.getenv("LD_LIBRARY_PATH") == null) {
            byte[] bundled;
            try (var in = NativeLib.class.getClassLoader().getResourceAsStream(NativePlatform.resource(prefix))) {
                assertNotNull(in);
                bundled = in.readAllBytes();
            }
            File loaded = NativeLib.LIB.getFile();
            assertTrue(loaded.isFile(), "the class path's copy (a directory under Maven) stays: " + loaded);
            assertTrue(java.util.Arrays.equals(bundled, Files.readAllBytes(loaded.toPath())),
                    NativeLib.LIB.getFile() + " is not " + NativePlatform.resource(prefix));
        }
    }

    /**
     * The real failure path, in a child JVM whose class path has the package without its libraries:
     * the error names this platform and that the jar carries none.
     */
    @Test
    void noBundledLibraryFailsNamingThePlatform(@TempDir Path tmp) throws Exception {
        Path classes = classesDir();
        Path copy = tmp.resolve("classes");
        copyTree(classes, copy);
        for (String p : RELEASE) {
            Files.deleteIfExists(copy.resolve(NativePlatform.resource(p)));
        }
        String out = loadInChildJvm(List.of(), List.of(copy.toString(), testClasses(), jnaJar()));
        assertTrue(out.contains("soter-verify: no native library in the soter-verify jar fits this platform, "
                + "Linux x86-64 (glibc)"), out);
        assertTrue(out.contains("The jar carries: none."), out);
    }

    /**
     * The same JVM told it runs elsewhere (os.name, os.arch, which JNA reads; its own native part
     * then fails too): the error is still ours, naming that platform and what this class path carries.
     */
    @Test
    void otherPlatformsFailNamingThemAndTheLinuxContainer() throws Exception {
        List<String> cp = List.of(classesDir().toString(), testClasses(), jnaJar());
        String mac = loadInChildJvm(List.of("-Dos.name=Mac OS X", "-Dos.arch=aarch64"), cp);
        assertTrue(mac.contains("fits this platform, macOS aarch64 (os.name=Mac OS X, os.arch=aarch64)"), mac);
        assertTrue(mac.contains("linux-x86-64/libsoter_verify.so (Linux x86-64 (glibc))"), mac);
        assertTrue(mac.contains("run the service in a Linux container"), mac);
        String win = loadInChildJvm(List.of("-Dos.name=Windows 11", "-Dos.arch=amd64"), cp);
        assertTrue(win.contains("fits this platform, Windows x86-64 (os.name=Windows 11, os.arch=amd64)"), win);
        assertTrue(win.contains("run the service in a Linux container"), win);
        if (!Boolean.getBoolean("soter.dist")) { // the development class path has no aarch64 build
            String arm = loadInChildJvm(List.of("-Dos.arch=aarch64"), cp);
            assertTrue(arm.contains("fits this platform, Linux aarch64 (glibc)"), arm);
            assertTrue(arm.contains("-Dsoter.dist=true"), arm);
        }
    }

    /** Runs {@link LoadChild} in a child JVM; returns its output, the load error's message. */
    private static String loadInChildJvm(List<String> jvmArgs, List<String> classPath) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", String.join(File.pathSeparator, classPath), LoadChild.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("LD_LIBRARY_PATH");
        Process child = pb.start();
        try {
            String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child JVM did not exit");
            assertEquals(3, child.exitValue(), out);
            return out;
        } finally {
            child.destroyForcibly(); // by its own handle: only the process this test started
        }
    }

    /** The child JVM of {@link #noBundledLibraryFailsNamingThePlatform}: prints the load error. */
    static final class LoadChild {
        public static void main(String[] args) {
            try {
                System.out.println("loaded " + Soter.version());
            } catch (UnsatisfiedLinkError e) {
                System.out.println(e.getMessage());
                System.exit(3);
            }
        }
    }

    private static Path classesDir() throws URISyntaxException {
        return Path.of(NativePlatform.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static String testClasses() throws URISyntaxException {
        return Path.of(LoadChild.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static String jnaJar() throws URISyntaxException {
        return Path.of(com.sun.jna.Native.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(file, to.resolve(from.relativize(file).toString()));
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
