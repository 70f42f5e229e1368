// Run by run-tests.sh with only the built jar and JNA on the class path (no jna.library.path):
// proves the jar carries its native library.
import io.soterverify.PublicKey;
import io.soterverify.Soter;

public class JarSmoke {
    public static void main(String[] args) throws Exception {
        if (System.getProperty("jna.library.path") != null) {
            throw new AssertionError("jna.library.path must not be set for this check");
        }
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
        System.out.println("jar smoke test: libsoter_verify " + Soter.version() + " (ABI " + Soter.abiVersion()
                + ") loaded from the jar");
    }
}
