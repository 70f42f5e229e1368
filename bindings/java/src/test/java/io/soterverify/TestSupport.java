package io.soterverify;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Base64;

/** Keys and signatures made with the JDK, and the shared device vectors. */
final class TestSupport {
    private TestSupport() {}

    private static KeyPair rsa2048;

    static synchronized KeyPair rsa2048() {
        if (rsa2048 == null) {
            rsa2048 = rsa(2048);
        }
        return rsa2048;
    }

    static KeyPair rsa(int bits) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(bits);
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static byte[] sign(PrivateKey key, byte[] message, int saltLen) {
        try {
            Signature s = Signature.getInstance("RSASSA-PSS");
            s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, saltLen, 1));
            s.initSign(key);
            s.update(message);
            return s.sign();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static String pem(java.security.PublicKey key) {
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded());
        return "-----BEGIN PUBLIC KEY-----\n" + b64 + "\n-----END PUBLIC KEY-----\n";
    }

    static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String resultJson(String raw, long counter, String cpuId, String uid, String more) {
        return "{\"raw\":\"" + raw + "\",\"fid\":\"123\",\"counter\":" + counter
                + ",\"tee_n\":\"TEE\",\"tee_v\":\"1\",\"fp_n\":\"FPC\",\"fp_v\":\"2\",\"cpu_id\":\"" + cpuId
                + "\",\"uid\":\"" + uid + "\"" + more + "}";
    }

    /** The device vectors committed in tests/vectors (absent means a broken checkout: fail). */
    static Path vectors() {
        String dir = System.getProperty("soter.vectors", "../../tests/vectors/tencent-soter-sample");
        Path p = Paths.get(dir);
        assertTrue(Files.isRegularFile(p.resolve("final_json.txt")),
                "device vectors not found at " + p.toAbsolutePath().normalize());
        return p;
    }

    static byte[] read(Path dir, String name) {
        try {
            return Files.readAllBytes(dir.resolve(name));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Resident set size of this process in bytes (from /proc/self/statm). */
    static long rss() {
        try {
            String[] f = Files.readString(Paths.get("/proc/self/statm")).trim().split("\\s+");
            return Long.parseLong(f[1]) * 4096L;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
