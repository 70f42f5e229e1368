package io.soterverify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import org.junit.jupiter.api.Test;

/** The build bundles the native library where JNA looks for it. */
class BundledLibraryTest {
    @Test
    void libraryIsOnTheClassPathUnderJnaPrefix() {
        assertNotNull(NativeLib.class.getClassLoader().getResource("linux-x86-64/libsoter_verify.so"),
                "linux-x86-64/libsoter_verify.so is not on the class path: run `cargo build --release` at the "
                        + "repository root before Maven (or set -Dsoter.native.dir)");
    }

    @Test
    void abiVersionChecked() {
        NativeLib.load();
        assertEquals(NativeLib.ABI_VERSION, NativeLib.soter_abi_version());
    }
}
