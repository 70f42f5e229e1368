package io.soterverify;

import io.soterverify.testing.Device;
import io.soterverify.testing.SignedData;
import io.soterverify.testing.WeChatEmulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * 100 concurrent soterVerifySignatureAsync calls against the emulator answering each after 200 ms
 * (issue 20's target: all done in under 1.5 s, the caller's thread free). A main, not a test:
 * {@code bench.sh async [calls] [delay-ms]}.
 */
public final class AsyncBenchmark {
    private AsyncBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        long delayMs = args.length > 1 ? Long.parseLong(args[1]) : 200;
        try (WeChatEmulator emu = WeChatEmulator.start("wxbench", "bench-secret");
                WeChatClient client = WeChatClient.builder("wxbench", "bench-secret").baseUrl(emu.baseUrl())
                        .timeout(Duration.ofSeconds(30)).build()) {
            Device dev = Device.pooled();
            emu.registerDevice("o_bench", dev);
            SignedData s = dev.signResult(Soter.newChallenge());
            if (!client.soterVerifySignature("o_bench", s.json(), s.signature())) {   // token fetched, pool warm
                throw new IllegalStateException("the emulator refused the warm-up call");
            }
            emu.injectDelay(Duration.ofMillis(delayMs), -1);
            for (int round = 1; round <= 2; round++) {   // round 1 also starts the pool's threads
                long[] latencyUs = new long[calls];
                List<CompletableFuture<Boolean>> all = new ArrayList<>(calls);
                long t0 = System.nanoTime();
                long maxSubmitUs = 0;   // the longest the caller's thread spent in one ...Async call
                for (int i = 0; i < calls; i++) {
                    int n = i;
                    long start = System.nanoTime();
                    all.add(client.soterVerifySignatureAsync("o_bench", s.json(), s.signature())
                            .whenComplete((ok, e) -> latencyUs[n] = (System.nanoTime() - start) / 1000));
                    maxSubmitUs = Math.max(maxSubmitUs, (System.nanoTime() - start) / 1000);
                }
                long submittedUs = (System.nanoTime() - t0) / 1000;
                CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
                long totalMs = (System.nanoTime() - t0) / 1_000_000;
                long ok = all.stream().filter(CompletableFuture::join).count();
                Arrays.sort(latencyUs);
                System.out.printf("round %d: %d concurrent soterVerifySignatureAsync, emulator delay %d ms, Java %s, "
                        + "default executor: %s%n", round, calls, delayMs, Runtime.version(), Async.describeDefault());
                System.out.printf("  caller thread: %.2f ms to submit all %d, at most %.3f ms in one call%n",
                        submittedUs / 1000.0, calls, maxSubmitUs / 1000.0);
                System.out.printf("  all done in %d ms; %d/%d is_ok; latency p50 %d ms, p99 %d ms, max %d ms%n", totalMs,
                        ok, calls, latencyUs[calls / 2] / 1000, latencyUs[calls * 99 / 100] / 1000,
                        latencyUs[calls - 1] / 1000);
            }
            emu.clearFaults();
            ClientStats st = client.stats();
            System.out.println("  client: " + st);
        }
    }
}
