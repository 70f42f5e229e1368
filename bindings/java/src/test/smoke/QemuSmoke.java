// test-qemu.sh's smoke test, run by an arm64 JVM under qemu-aarch64 with only the core jar and JNA
// on the class path (compiled on the host: a JRE has no javac).
//   java QemuSmoke VECTORS_DIR          loads the jar's library for this platform, verifies the
//                                       real-device vectors (verdicts from their README)
//   java QemuSmoke VECTORS_DIR --none   the jar has no library for this platform: the error must
//                                       name it and what the jar carries
import io.soterverify.AuthKey;
import io.soterverify.ChallengeMismatchException;
import io.soterverify.CounterReplayException;
import io.soterverify.Expectations;
import io.soterverify.PublicKey;
import io.soterverify.ResultJson;
import io.soterverify.Soter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

public class QemuSmoke {
    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    public static void main(String[] args) throws Exception {
        Path v = Path.of(args[0]);
        String platform = System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", Java "
                + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")";
        if (args.length > 1 && args[1].equals("--none")) {
            try {
                Soter.version();
                throw new AssertionError("loaded a library from a jar without one for " + platform);
            } catch (UnsatisfiedLinkError e) {
                String m = e.getMessage();
                check(m.startsWith("soter-verify: no native library in the soter-verify jar fits this platform, "
                        + "Linux aarch64 (glibc)"), m);
                check(m.contains("The jar carries: ") && m.contains("linux-x86-64/libsoter_verify.so"), m);
                check(!m.contains("linux-aarch64/"), m);
                System.out.println("qemu smoke: " + platform + ": a jar without linux-aarch64/ fails: " + m);
                return;
            }
        }
        byte[] json = Files.readAllBytes(v.resolve("final_json.txt"));
        byte[] sig = Files.readAllBytes(v.resolve("final_signature.bin"));
        try (PublicKey k = PublicKey.load(Files.readAllBytes(v.resolve("auth_key.pem")));
                PublicKey ask = PublicKey.load(Files.readAllBytes(v.resolve("ask.pem")))) {
            check(k.bits() == 2048, "bits");
            check(k.verify(json, sig), "final_json.txt does not verify with auth_key.pem");
            check(!k.verify(json, sig, 32), "verifies with salt 32");
            byte[] t = json.clone();
            t[7] ^= 1;
            check(!k.verify(t, sig), "a changed byte verifies");
            check(!ask.verify(json, sig), "verifies with the other key");
            ResultJson r = Soter.authenticate(k, json, Base64.getEncoder().encodeToString(sig),
                    Expectations.builder("I'm a demo challenge string").cpuId("0900000026030000241a1e8e9e44c3a8e05b9c0c")
                            .uid("10115").minCounter(241).build());
            check(r.counter() == 246 && r.fid().equals("2313170") && r.fpN().equals("FPC"), "parsed " + r);
            try {
                Soter.authenticate(k, json, sig, Expectations.builder("I'm a demo challenge string").minCounter(247).build());
                throw new AssertionError("a replayed counter passed");
            } catch (CounterReplayException expected) {
                // ok
            }
            try {
                Soter.authenticate(k, json, sig, Expectations.of("another challenge"));
                throw new AssertionError("another challenge passed");
            } catch (ChallengeMismatchException expected) {
                // ok
            }
            byte[] akJson = Files.readAllBytes(v.resolve("auth_key_json.txt"));
            byte[] akSig = Files.readAllBytes(v.resolve("auth_key_signature.bin"));
            try (AuthKey ak = Soter.verifyAuthKey(ask, akJson, akSig)) {
                check(ak.counter() == 240 && ak.uid().equals("10115"), "AuthKey fields");
                check(ak.publicKey().sameKeyAs(k), "the AuthKey's key is not auth_key.pem");
            }
        }
        check(Soter.newChallenge().length() == Soter.CHALLENGE_LEN, "challenge");
        System.out.println("qemu smoke: " + platform + ": libsoter_verify " + Soter.version() + " (ABI "
                + Soter.abiVersion() + ") from the jar; the tencent-soter-sample vectors verify");
    }
}
