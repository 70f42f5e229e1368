package io.soterverify.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.soter.ReactiveLogin;
import io.soterverify.ReplayGuard;
import io.soterverify.WeChatClient;
import io.soterverify.testing.Device;
import io.soterverify.testing.SignedData;
import io.soterverify.testing.WeChatEmulator;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.WebSession;
import reactor.core.publisher.Mono;

/**
 * The README's WebFlux controller on a real Netty server: while more slow logins are in flight
 * than Netty has event-loop threads (WeChat answering after 800 ms), an unrelated request still
 * answers at once, and no soter call ran on an event-loop thread.
 */
class WebFluxTest {
    private static final int LOGINS = 8;   // more than Netty's default event loops (max(cores, 4))
    private static final long DELAY_MS = 800;

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import({ReactiveLogin.class, TestEndpoints.class})
    static class App {}

    /** Test-only: a session holding the openid (wx.login's job in an app), and an unrelated endpoint. */
    @RestController
    static class TestEndpoints {
        @GetMapping("/test/sign-in")
        Mono<String> signIn(@RequestParam String openid, WebSession session) {
            session.getAttributes().put("openid", openid);
            return Mono.just("signed in");
        }

        @GetMapping("/test/ping")
        Mono<String> ping() {
            return Mono.just("pong");
        }
    }

    @Test
    void slowLoginsDoNotBlockTheEventLoop() throws Exception {
        try (WeChatEmulator emu = WeChatEmulator.start("wxflux", "flux-secret");
                ConfigurableApplicationContext app = new SpringApplicationBuilder(App.class)
                        .web(WebApplicationType.REACTIVE).properties("server.port=0", "spring.main.banner-mode=off",
                                "soter.wechat.app-id=wxflux", "soter.wechat.app-secret=flux-secret",
                                "soter.wechat.base-url=" + emu.baseUrl(), "soter.wechat.timeout=10s",
                                "soter.wechat.attempt-timeout=10s")
                        .run()) {
            String base = "http://127.0.0.1:" + ((WebServerApplicationContext) app).getWebServer().getPort();
            Set<String> soterThreads = ConcurrentHashMap.newKeySet();
            app.getBean(ReplayGuard.class).addCallObserver((op, nanos, failure) ->
                    soterThreads.add(Thread.currentThread().getName()));
            Device phone = Device.pooled();
            List<HttpClient> users = new ArrayList<>();
            List<String> bodies = new ArrayList<>();
            for (int i = 0; i < LOGINS; i++) {
                String openid = "o_flux_" + i;
                emu.registerDevice(openid, phone);
                HttpClient user = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
                assertEquals("signed in", send(user, get(base + "/test/sign-in?openid=" + openid)).body());
                String challenge = send(user, post(base + "/reactive/soter/challenge", "")).body();
                assertEquals(43, challenge.length(), challenge);
                SignedData s = phone.signResult(challenge);
                bodies.add("{\"resultJSON\":" + quote(s.json()) + ",\"resultJSONSignature\":" + quote(s.signature())
                        + "}");
                users.add(user);
            }
            // The token now, so the delays below hit verify_signature itself.
            SignedData warm = phone.signResult("warm-up");
            assertTrue(app.getBean(WeChatClient.class).soterVerifySignature("o_flux_0", warm.json(), warm.signature()));
            emu.injectDelay(Duration.ofMillis(DELAY_MS), LOGINS);

            long t0 = System.nanoTime();
            List<CompletableFuture<HttpResponse<String>>> logins = new ArrayList<>();
            for (int i = 0; i < LOGINS; i++) {
                logins.add(users.get(i).sendAsync(post(base + "/reactive/soter/login", bodies.get(i)),
                        HttpResponse.BodyHandlers.ofString()));
            }
            Thread.sleep(200);   // the logins reach their handlers
            long p0 = System.nanoTime();
            HttpResponse<String> pong = send(HttpClient.newHttpClient(), get(base + "/test/ping"));
            long pingMs = (System.nanoTime() - p0) / 1_000_000;
            assertEquals("pong", pong.body());
            assertTrue(pingMs < 200, "an unrelated request took " + pingMs + " ms while logins were in flight");
            assertTrue(logins.stream().noneMatch(CompletableFuture::isDone), "a login finished before the ping:"
                    + " the delay did not apply, so the test proves nothing");
            for (CompletableFuture<HttpResponse<String>> login : logins) {
                HttpResponse<String> r = login.get(30, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode(), r.body());
                assertEquals("welcome", r.body());
            }
            assertTrue((System.nanoTime() - t0) / 1_000_000 >= DELAY_MS, "the logins did not wait for WeChat");
            assertTrue(soterThreads.stream().allMatch(t -> t.startsWith("soter-async-")),
                    "soter calls ran on " + soterThreads);
        }
    }

    private static HttpRequest get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build();
    }

    private static HttpRequest post(String url, String json) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build();
    }

    private static HttpResponse<String> send(HttpClient client, HttpRequest request) throws Exception {
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
