// Run by run-tests.sh with only the built jar and JNA on the class path.
//   java ... JarSmoke.java            : the library must come from the jar (no jna.library.path)
//   java -Djna.library.path=DIR ... JarSmoke.java DIR : the override must win
import com.sun.jna.NativeLibrary;
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
        File file = NativeLibrary.getInstance("soter_verify").getFile();
        if (args.length == 0) {
            if (System.getProperty("jna.library.path") != null) {
                throw new AssertionError("jna.library.path must not be set for this check");
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
