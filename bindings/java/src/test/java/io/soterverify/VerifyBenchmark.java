package io.soterverify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * soter-verify against the same work written on the JDK, in one JVM, candidates interleaved in
 * rounds, timed in CPU time of this thread (other processes on a busy machine do not count):
 *
 * <ul>
 * <li>{@link PublicKey#verify} against the JDK's {@code RSASSA-PSS} {@link Signature}
 *     (SHA-256, MGF1-SHA-256, salt 20);</li>
 * <li>{@link Soter#authenticate} as a server calls it (resultJSON and base64 signature as Strings,
 *     expectations built per call) against the same checks hand-written on the JDK: Base64 decode,
 *     RSASSA-PSS verify, a JSON parse (Jackson, what Java servers use: the JDK has no JSON parser)
 *     and the compares; and against the bare native call with every argument built beforehand
 *     (the difference is what the binding costs per call).</li>
 * </ul>
 * Not a test: run it with bench.sh. Uses the committed device vector.
 */
public final class VerifyBenchmark {
    private VerifyBenchmark() {}

    interface Op {
        Object run() throws Exception;
    }

    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    /** Mean CPU microseconds of this thread per call over {@code n} calls. */
    static double time(Op op, int n) throws Exception {
        long t0 = CPU.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
            if (op.run() == null) {
                throw new AssertionError("a benchmarked call failed");
            }
        }
        return (CPU.getCurrentThreadCpuTime() - t0) / 1000.0 / n;
    }

    /** Median over {@code rounds} of each candidate's mean, the candidates alternating in each round. */
    static Map<String, Double> rounds(Map<String, Op> ops, int n, int rounds) throws Exception {
        for (int i = 0; i < 3; i++) { // warm-up: JIT every path
            for (Op op : ops.values()) {
                time(op, n / 2);
            }
        }
        Map<String, double[]> t = new LinkedHashMap<>();
        ops.keySet().forEach(k -> t.put(k, new double[rounds]));
        for (int r = 0; r < rounds; r++) {
            for (Map.Entry<String, Op> e : ops.entrySet()) {
                t.get(e.getKey())[r] = time(e.getValue(), n);
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        t.forEach((k, v) -> {
            double[] s = v.clone();
            Arrays.sort(s);
            out.put(k, s[s.length / 2]);
        });
        return out;
    }

    static final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;

        Rejected(String what) {
            super(what);
        }
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int rounds = 7;
        Path v = Paths.get(System.getProperty("soter.vectors", "../../tests/vectors/tencent-soter-sample"));
        String pem = Files.readString(v.resolve("auth_key.pem"));
        byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        java.security.PublicKey jdkKey = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
        byte[] msg = Files.readAllBytes(v.resolve("final_json.txt"));
        byte[] sig = Files.readAllBytes(v.resolve("final_signature.bin"));
        String resultJson = new String(msg, StandardCharsets.UTF_8);
        String sigB64 = Base64.getEncoder().encodeToString(sig);
        ObjectMapper mapper = new ObjectMapper();
        JsonNode doc0 = mapper.readTree(msg);
        String challenge = doc0.get("raw").asText();
        String cpuId = doc0.get("cpu_id").asText();
        String uid = doc0.get("uid").asText();
        long minCounter = doc0.get("counter").asLong();

        Signature jdk = Signature.getInstance("RSASSA-PSS");
        jdk.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 20, 1));
        try (PublicKey key = PublicKey.load(pem)) {
            System.out.println("soter-verify benchmark: tencent-soter-sample device vector (resultJSON " + msg.length
                    + " bytes), " + key.bits() + "-bit key, " + Runtime.version() + ", " + n + " calls x " + rounds
                    + " rounds, interleaved, CPU time of this thread");

            // ---- PublicKey.verify ----
            Map<String, Op> verify = new LinkedHashMap<>();
            verify.put("raw", () -> key.verify(msg, sig, 20) ? Boolean.TRUE : null);
            verify.put("base64", () -> key.verify(msg, sigB64) ? Boolean.TRUE : null);
            verify.put("jdk", () -> {
                jdk.initVerify(jdkKey);
                jdk.update(msg);
                return jdk.verify(sig) ? Boolean.TRUE : null;
            });
            Map<String, Double> t = rounds(verify, n, rounds);
            System.out.printf("soter-verify PublicKey.verify (raw signature):    %7.2f us/call%n", t.get("raw"));
            System.out.printf("soter-verify PublicKey.verify (base64 signature): %7.2f us/call%n", t.get("base64"));
            System.out.printf("JDK Signature RSASSA-PSS (SHA-256/MGF1/salt 20):  %7.2f us/call%n", t.get("jdk"));
            System.out.printf("ratio JDK / soter-verify: %.2fx%n", t.get("jdk") / t.get("raw"));

            // ---- authenticate, as a server calls it ----
            byte[] sigB64Bytes = sigB64.getBytes(StandardCharsets.UTF_8);
            com.sun.jna.Memory prebuilt = ExpectationsStruct.of(Expectations.builder(challenge).cpuId(cpuId).uid(uid)
                    .minCounter(minCounter).build());
            long[] err = new long[1];
            Map<String, Op> auth = new LinkedHashMap<>();
            auth.put("ours", () -> Soter.authenticate(key, resultJson, sigB64,
                    Expectations.builder(challenge).cpuId(cpuId).uid(uid).minCounter(minCounter).build()));
            auth.put("native", () -> key.handle().call(key, k -> SoterFfi.soter_authenticate(k, msg, msg.length,
                    sigB64Bytes, sigB64Bytes.length, prebuilt, null, err)) == 0 ? Boolean.TRUE : null);
            auth.put("hand", () -> {
                byte[] m = resultJson.getBytes(StandardCharsets.UTF_8);
                jdk.initVerify(jdkKey);
                jdk.update(m);
                if (!jdk.verify(Base64.getDecoder().decode(sigB64))) {
                    throw new Rejected("signature");
                }
                JsonNode doc = mapper.readTree(m);
                if (!MessageDigest.isEqual(doc.get("raw").asText().getBytes(StandardCharsets.UTF_8),
                        challenge.getBytes(StandardCharsets.UTF_8))) {
                    throw new Rejected("challenge");
                }
                if (!doc.get("cpu_id").asText().equals(cpuId) || !doc.get("uid").asText().equals(uid)) {
                    throw new Rejected("device");
                }
                JsonNode counter = doc.get("counter");
                if (!counter.canConvertToExactIntegral() || counter.asLong() < minCounter) {
                    throw new Rejected("counter");
                }
                return doc;
            });
            t = rounds(auth, n, rounds);
            System.out.printf("authenticate: ours %.2f us, hand %.2f us, native %.2f us, ratio hand/ours %.2fx, "
                    + "wrapper overhead %.2f us%n", t.get("ours"), t.get("hand"), t.get("native"),
                    t.get("hand") / t.get("ours"), t.get("ours") - t.get("native"));
            java.lang.ref.Reference.reachabilityFence(prebuilt);
        }
    }
}
