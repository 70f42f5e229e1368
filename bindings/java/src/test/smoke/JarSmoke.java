// Run by run-tests.sh with only the built core jar, the soter-verify-testing jar (the emulator
// and device below) and JNA on the class path.
//   java ... JarSmoke.java            : the library must come from the jar (no jna.library.path)
//   java -Djna.library.path=DIR ... JarSmoke.java DIR : the override must win
import io.soterverify.PublicKey;
import io.soterverify.Soter;
import java.io.File;

public class JarSmoke {
    public static void main(String[] args) throws Exception {
        String c = Soter.newChallenge();
        if (c.length() != Soter.CHALLENGE_LEN) {
            throw new AssertionError("bad challenge " + c);
        }
        try {
            PublicKey.load("not a key");
            throw new AssertionError("loaded garbage");
        } catch (io.soterverify.InvalidKeyException expected) {
            // ok
        }
        // The lazily registered WeChat and testing natives resolve from the same library.
        try (io.soterverify.testing.WeChatEmulator emu = io.soterverify.testing.WeChatEmulator.start("wx-smoke", "s");
                io.soterverify.testing.Device phone = io.soterverify.testing.Device.create();
                io.soterverify.WeChatClient client = io.soterverify.WeChatClient.builder("wx-smoke", "s")
                        .baseUrl(emu.baseUrl()).build()) {
            emu.registerDevice("o_smoke", phone);
            io.soterverify.testing.SignedData r = phone.signResult(c);
            if (!client.soterVerifySignature("o_smoke", r.json(), r.signature())) {
                throw new AssertionError("verify_signature against the emulator failed");
            }
        }
        // The library the package loaded (by name JNA would load a second copy of its own choice).
        File file = io.soterverify.Internal.library().getFile();
        if (args.length == 0) {
            if (System.getProperty("jna.library.path") != null) {
                throw new AssertionError("jna.library.path must not be set for this check");
            }
            // A copy extracted from the jar into JNA's temporary directory (removed once mapped).
            if (!file.getName().startsWith("jna") || file.exists()) {
                throw new AssertionError("the library was not extracted from the jar: " + file);
            }
            System.out.println("jar smoke test: libsoter_verify " + Soter.version() + " (ABI " + Soter.abiVersion()
                    + ") loaded from the jar (extracted to " + file + ")");
        } else {
            File want = new File(args[0], "libsoter_verify.so").getCanonicalFile();
            if (!file.getCanonicalFile().equals(want)) {
                throw new AssertionError("jna.library.path did not win: loaded " + file + ", wanted " + want);
            }
            System.out.println("jar smoke test: -Djna.library.path override loads " + want);
        }
    }
}
