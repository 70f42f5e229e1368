package io.soterverify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The build bundles the portable native library where JNA looks for it, at Cargo.toml's version. */
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

    /** The jar must load on glibc 2.17 (CentOS 7 and later): no symbol version above GLIBC_2.17. */
    @Test
    void bundledLibraryIsPortable() throws IOException {
        byte[] elf;
        try (InputStream in = NativeLib.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            assertNotNull(in, RESOURCE + " is not on the class path");
            elf = in.readAllBytes();
        }
        Matcher m = Pattern.compile("GLIBC_2\\.(\\d+)").matcher(new String(elf, StandardCharsets.ISO_8859_1));
        List<String> newer = new ArrayList<>();
        while (m.find()) {
            if (Integer.parseInt(m.group(1)) > 17) {
                newer.add(m.group());
            }
        }
        assertTrue(newer.isEmpty(), "the bundled library needs " + newer + ": bundle the portable build "
                + "(make build: target/x86_64-unknown-linux-gnu/release), not a native one");
    }
}
