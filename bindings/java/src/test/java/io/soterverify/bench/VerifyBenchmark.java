package io.soterverify.bench;

import io.soterverify.PublicKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * soter-verify's {@link PublicKey#verify} against the JDK's {@code RSASSA-PSS} {@link Signature}
 * (SHA-256, MGF1-SHA-256, salt 20) on the same key, message and signature, in one JVM.
 * Not a test: run it with bench.sh. Uses the real device vector when ../shared is present.
 */
public final class VerifyBenchmark {
    private VerifyBenchmark() {}

    interface Op {
        boolean run() throws Exception;
    }

    /** Mean microseconds per call over {@code n} calls. */
    static double time(Op op, int n) throws Exception {
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            if (!op.run()) {
                throw new AssertionError("verification failed in the benchmark");
            }
        }
        return (System.nanoTime() - t0) / 1000.0 / n;
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        java.security.PublicKey jdkKey;
        byte[] message;
        byte[] signature;
        String source;
        Path v = Paths.get(System.getProperty("soter.vectors", "../../tests/vectors/tencent-soter-sample"));
        if (Files.isRegularFile(v.resolve("final_json.txt"))) {
            String pem = Files.readString(v.resolve("auth_key.pem"));
            byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
            jdkKey = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
            message = Files.readAllBytes(v.resolve("final_json.txt"));
            signature = Files.readAllBytes(v.resolve("final_signature.bin"));
            source = "real device vector (auth_key.pem, final_json.txt: " + message.length + " bytes)";
        } else {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            KeyPair kp = g.generateKeyPair();
            jdkKey = kp.getPublic();
            message = ("{\"raw\":\"I'm a demo challenge string\",\"fid\":\"2313170\",\"counter\":246,"
                    + "\"tee_n\":\"t-base\",\"tee_v\":\"10010\",\"fp_n\":\"FPC\",\"fp_v\":\"6516\","
                    + "\"cpu_id\":\"0900000026030000241a1e8e9e44c3a8e05b9c0c\",\"uid\":\"10115\"}")
                    .getBytes(StandardCharsets.UTF_8);
            Signature s = Signature.getInstance("RSASSA-PSS");
            s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 20, 1));
            s.initSign(kp.getPrivate());
            s.update(message);
            signature = s.sign();
            source = "generated RSA-2048 key (../shared absent)";
        }
        PSSParameterSpec spec = new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 20, 1);
        Signature jdk = Signature.getInstance("RSASSA-PSS");
        jdk.setParameter(spec);
        java.security.PublicKey k = jdkKey;
        byte[] msg = message;
        byte[] sig = signature;
        String sigB64 = Base64.getEncoder().encodeToString(sig);
        Op jdkOp = () -> {
            jdk.initVerify(k);
            jdk.update(msg);
            return jdk.verify(sig);
        };
        try (PublicKey key = PublicKey.load(jdkKey.getEncoded())) {
            Op ours = () -> key.verify(msg, sig, 20);
            Op oursB64 = () -> key.verify(msg, sigB64);
            System.out.println("soter-verify benchmark: " + source + ", " + key.bits() + "-bit key, "
                    + Runtime.version() + ", " + n + " calls per round, single thread");
            for (int i = 0; i < 3; i++) { // warm-up: JIT both paths
                time(ours, n / 2);
                time(oursB64, n / 2);
                time(jdkOp, n / 2);
            }
            double best = Double.MAX_VALUE;
            double bestB64 = Double.MAX_VALUE;
            double bestJdk = Double.MAX_VALUE;
            for (int round = 0; round < 5; round++) {
                best = Math.min(best, time(ours, n));
                bestB64 = Math.min(bestB64, time(oursB64, n));
                bestJdk = Math.min(bestJdk, time(jdkOp, n));
            }
            System.out.printf("soter-verify PublicKey.verify (raw signature):    %7.2f us/call%n", best);
            System.out.printf("soter-verify PublicKey.verify (base64 signature): %7.2f us/call%n", bestB64);
            System.out.printf("JDK Signature RSASSA-PSS (SHA-256/MGF1/salt 20):  %7.2f us/call%n", bestJdk);
            System.out.printf("ratio JDK / soter-verify: %.2fx (best of 5 rounds)%n", bestJdk / best);
        }
    }
}
