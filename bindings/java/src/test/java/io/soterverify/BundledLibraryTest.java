package io.soterverify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The build bundles the portable native libraries where NativeLib looks for them, at Cargo.toml's version. */
class BundledLibraryTest {
    private static final String RESOURCE = "linux-x86-64/libsoter_verify.so";

    @Test
    void libraryIsOnTheClassPathUnderJnaPrefix() {
        assertNotNull(NativeLib.class.getClassLoader().getResource(RESOURCE),
                RESOURCE + " is not on the class path: run `make build` at the repository root before Maven "
                        + "(or set -Dsoter.native.dir)");
    }

    @Test
    void abiVersionChecked() {
        NativeLib.load();
        assertEquals(NativeLib.ABI_VERSION, SoterFfi.soter_abi_version());
    }

    /** Cargo.toml is the one place of the version: the artifact and its library carry the same. */
    @Test
    void versionIsCargoTomls() throws IOException {
        String cargo = Files.readString(Path.of(System.getProperty("soter.cargo.toml")), StandardCharsets.UTF_8);
        String pkg = cargo.substring(cargo.indexOf("[package]"));
        int next = pkg.indexOf("\n[");
        Matcher m = Pattern.compile("(?m)^version\\s*=\\s*\"([^\"]+)\"").matcher(next < 0 ? pkg : pkg.substring(0, next));
        assertTrue(m.find(), "no version in Cargo.toml's [package]");
        assertEquals(m.group(1), System.getProperty("soter.project.version"),
                "pom.xml's <version> differs from Cargo.toml's version: make them equal");
        assertEquals(m.group(1), Soter.version(), "the bundled library is of another version");
    }

    /**
     * Every library on the class path is for the platform of its directory (ELF machine from the
     * header: 62 x86-64, 183 aarch64; 64-bit little-endian); the release build
     * ({@code -Dsoter.dist=true}) has all four Linux targets.
     */
    @Test
    void everyBundledLibraryIsForItsPlatform() throws IOException {
        SortedSet<String> carried = NativePlatform.carried(NativeLib.class.getClassLoader());
        if (Boolean.getBoolean("soter.dist")) {
            assertEquals(new TreeSet<>(List.of("linux-aarch64", "linux-aarch64-musl", "linux-x86-64",
                    "linux-x86-64-musl")), carried, "the release build bundles the four Linux targets");
        }
        assertTrue(carried.contains("linux-x86-64"), carried.toString());
        for (String prefix : carried) {
            byte[] elf;
            try (InputStream in = NativeLib.class.getClassLoader().getResourceAsStream(NativePlatform.resource(prefix))) {
                assertNotNull(in, prefix);
                elf = in.readAllBytes();
            }
            assertTrue(elf.length > 64 && elf[0] == 0x7f && elf[1] == 'E' && elf[2] == 'L' && elf[3] == 'F', prefix);
            assertEquals(2, elf[4], prefix + ": not 64-bit");
            assertEquals(1, elf[5], prefix + ": not little-endian");
            int machine = (elf[18] & 0xff) | (elf[19] & 0xff) << 8;
            assertEquals(prefix.startsWith("linux-aarch64") ? 183 : 62, machine, prefix + ": ELF machine");
            String text = new String(elf, StandardCharsets.ISO_8859_1);
            if (prefix.endsWith("-musl")) {
                assertFalse(text.contains("GLIBC_"), prefix + " references glibc symbol versions");
                assertFalse(text.contains("libc.so.6"), prefix + " needs glibc's libc.so.6");
            } else {
                assertTrue(text.contains("libc.so.6"), prefix + " is not linked against glibc");
                assertNoGlibcAbove217(prefix, elf);
            }
        }
    }

    /** The jar must load on glibc 2.17 (CentOS 7 and later): no symbol version above GLIBC_2.17. */
    @Test
    void bundledLibraryIsPortable() throws IOException {
        byte[] elf;
        try (InputStream in = NativeLib.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            assertNotNull(in, RESOURCE + " is not on the class path");
            elf = in.readAllBytes();
        }
        assertNoGlibcAbove217(RESOURCE, elf);
    }

    private static void assertNoGlibcAbove217(String what, byte[] elf) {
        Matcher m = Pattern.compile("GLIBC_2\\.(\\d+)").matcher(new String(elf, StandardCharsets.ISO_8859_1));
        List<String> newer = new ArrayList<>();
        while (m.find()) {
            if (Integer.parseInt(m.group(1)) > 17) {
                newer.add(m.group());
            }
        }
        assertTrue(newer.isEmpty(), what + " needs " + newer + ": bundle the portable build "
                + "(make build: target/x86_64-unknown-linux-gnu/release), not a native one");
    }
}
