package io.soterverify.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.soterverify.AccessToken;
import io.soterverify.NetworkException;
import io.soterverify.PublicKey;
import io.soterverify.ReplayGuard;
import io.soterverify.StoreUnavailableException;
import io.soterverify.TokenException;
import io.soterverify.TokenSupplier;
import io.soterverify.WeChatClient;
import io.soterverify.testing.Device;
import io.soterverify.testing.Fault;
import io.soterverify.testing.SignedData;
import io.soterverify.testing.WeChatEmulator;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Each property reaches the library: token sources against the emulator, ASK locations, guard bounds, proxy. */
class PropertiesTest {
    private static final String APPID = "wx-starter-props";
    private static final String SECRET = "props-app-secret-0b7e";
    private static WeChatEmulator emulator;
    private static Device phone;
    private static SignedData signed;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SoterAutoConfiguration.class));

    @BeforeAll
    static void start() throws Exception {
        emulator = WeChatEmulator.start(APPID, SECRET);
        phone = Device.create();
        emulator.registerDevice("o_props", phone);
        signed = phone.signResult("props-challenge");
    }

    @AfterAll
    static void stop() {
        emulator.close();
        phone.close();
    }

    private ApplicationContextRunner wechat(String... more) {
        return runner.withPropertyValues("soter.wechat.app-id=" + APPID, "soter.wechat.base-url=" + emulator.baseUrl())
                .withPropertyValues(more);
    }

    private static boolean verify(WeChatClient c) throws Exception {
        return c.soterVerifySignature("o_props", signed.json(), signed.signature());
    }

    @Test
    void nothingSetGivesOnlyAnInMemoryGuard() {
        runner.run(context -> {
            assertFalse(context.containsBean("soterWeChatClient"));
            assertEquals(0, context.getBeansOfType(WeChatClient.class).size());
            assertEquals(0, context.getBeansOfType(PublicKey.class).size());
            String shown = context.getBean(ReplayGuard.class).toString();
            assertTrue(shown.contains("MemoryStore") && shown.contains("max_challenges: 100000"), shown);
        });
    }

    @Test
    void tokenRetryMaxReachesTheClient() throws Exception {
        try (WeChatEmulator failing = WeChatEmulator.start(APPID, SECRET)) {
            failing.injectFault(Fault.SYSTEM_BUSY, -1, "/cgi-bin/stable_token");
            runner.withPropertyValues("soter.wechat.app-id=" + APPID, "soter.wechat.app-secret=" + SECRET,
                    "soter.wechat.base-url=" + failing.baseUrl(), "soter.wechat.max-attempts=1",
                    "soter.wechat.token-retry-max=300ms").run(context -> {
                        WeChatClient c = context.getBean(WeChatClient.class);
                        assertThrows(TokenException.class, () -> verify(c));
                        // Held for at most the 300 ms ceiling (the default's first hold is 1 s).
                        TokenException held = assertThrows(TokenException.class, () -> verify(c));
                        assertTrue(held.getMessage().matches("no access token: holding for [0-9]{1,3} ms after .*"),
                                held.getMessage());
                    });
        }
    }

    @Test
    void classicTokenSource() {
        long before = emulator.requestsTo("/cgi-bin/token");
        wechat("soter.wechat.app-secret=" + SECRET, "soter.wechat.token-source=classic").run(context -> {
            WeChatClient c = context.getBean(WeChatClient.class);
            assertTrue(verify(c));
            assertEquals(before + 1, emulator.requestsTo("/cgi-bin/token"));
        });
    }

    @Test
    void fixedTokenSource() throws Exception {
        emulator.addToken("PROPS-FIXED-TOKEN", Duration.ofMinutes(10));
        long before = emulator.counters().tokenRequests();
        wechat("soter.wechat.token-source=fixed", "soter.wechat.fixed-token=PROPS-FIXED-TOKEN").run(context -> {
            assertTrue(verify(context.getBean(WeChatClient.class)));
            assertEquals(before, emulator.counters().tokenRequests());
        });
    }

    @Test
    void supplierTokenSourceUsesTheApplicationsBean() throws Exception {
        emulator.addToken("PROPS-SUPPLIED-TOKEN", Duration.ofMinutes(10));
        AtomicInteger calls = new AtomicInteger();
        TokenSupplier supplier = force -> {
            calls.incrementAndGet();
            return AccessToken.of("PROPS-SUPPLIED-TOKEN", Duration.ofMinutes(10));
        };
        wechat("soter.wechat.token-source=supplier")
                .withBean(TokenSupplier.class, () -> supplier)
                .run(context -> {
                    assertTrue(verify(context.getBean(WeChatClient.class)));
                    assertEquals(1, calls.get());
                });
    }

    @Test
    void cloudOpenApiTokenSource() throws Exception {
        try (WeChatEmulator open = WeChatEmulator.builder(APPID, SECRET).listen("127.0.0.1:0").openApi(true).start()) {
            open.registerDevice("o_props", phone);
            runner.withPropertyValues("soter.wechat.app-id=" + APPID, "soter.wechat.base-url=" + open.baseUrl(),
                    "soter.wechat.token-source=cloud-open-api").run(context -> {
                        assertTrue(verify(context.getBean(WeChatClient.class)));
                        assertEquals(0, open.counters().tokenRequests());
                    });
        }
    }

    @Test
    void cloudbaseFileTokenSource(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cloudbase_access_token");
        Files.writeString(file, "PROPS-CLOUDBASE-TOKEN\n");
        emulator.addToken("PROPS-CLOUDBASE-TOKEN", Duration.ofMinutes(10));
        long before = emulator.counters().tokenRequests();
        wechat("soter.wechat.token-source=cloudbase_file", "soter.wechat.cloudbase-token-file=" + file).run(context -> {
            assertTrue(verify(context.getBean(WeChatClient.class)));
            assertEquals(before, emulator.counters().tokenRequests());
        });
    }

    @Test
    void insecureHttpAllowedOnlyWhenSet() {
        // No request is sent: building the client checks the URL.
        runner.withPropertyValues("soter.wechat.app-id=" + APPID, "soter.wechat.app-secret=" + SECRET,
                "soter.wechat.base-url=http://wechat-gateway.invalid", "soter.wechat.allow-insecure-http=true")
                .run(context -> assertTrue(context.getBean(WeChatClient.class).toString().contains(APPID)));
    }

    @Test
    void proxyIsUsed() throws Exception {
        try (ServerSocket proxy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> requestLine = CompletableFuture.supplyAsync(() -> {
                try (Socket s = proxy.accept(); InputStream in = s.getInputStream()) {
                    StringBuilder line = new StringBuilder();
                    for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
                        line.append((char) b);
                    }
                    return line.toString().trim();
                } catch (IOException e) {
                    return "failed: " + e;
                }
            });
            wechat("soter.wechat.token-source=fixed", "soter.wechat.fixed-token=PROPS-PROXIED",
                    "soter.wechat.proxy=http://127.0.0.1:" + proxy.getLocalPort(), "soter.wechat.max-attempts=1")
                    .run(context -> {
                        assertThrows(NetworkException.class, () -> verify(context.getBean(WeChatClient.class)));
                        String line = requestLine.get(10, TimeUnit.SECONDS);
                        // The client tunnels through the proxy to the emulator.
                        String target = emulator.baseUrl().replaceFirst("^http://", "");
                        assertEquals("CONNECT " + target + " HTTP/1.1", line);
                    });
        }
    }

    @Test
    void askPemInlineClasspathAndFile(@TempDir Path dir) throws Exception {
        String pem;
        try (InputStream in = getClass().getResourceAsStream("/soter/ask.pem")) {
            pem = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        Path file = dir.resolve("ask.pem");
        Files.writeString(file, pem);
        try (PublicKey expected = PublicKey.load(pem)) {
            for (String value : new String[] {pem, "classpath:soter/ask.pem", file.toString(), "file:" + file}) {
                runner.withPropertyValues("soter.ask-pem=" + value).run(context -> {
                    assertTrue(context.getBean(PublicKey.class).sameKeyAs(expected), value);
                    assertTrue(context.containsBean("soterAsk"));
                });
            }
        }
    }

    @Test
    void redisClusterNodes() {
        // A Cluster guard connects on first use: building it sends nothing.
        runner.withPropertyValues("soter.replay.redis-cluster-nodes=redis://127.0.0.1:7101,redis://127.0.0.1:7102",
                "soter.replay.prefix=cluster:").run(context -> {
                    String shown = context.getBean(ReplayGuard.class).toString();
                    assertTrue(shown.contains("redis://127.0.0.1:7101,redis://127.0.0.1:7102")
                            && shown.contains("prefix: \"cluster:\""), shown);
                });
    }

    @Test
    void inMemoryBounds() {
        runner.withPropertyValues("soter.replay.max-challenges=2", "soter.replay.max-devices=7").run(context -> {
            ReplayGuard g = context.getBean(ReplayGuard.class);
            assertTrue(g.toString().contains("max_devices: 7"), g.toString());
            g.issueChallenge("a", Duration.ofMinutes(1));
            g.issueChallenge("b", Duration.ofMinutes(1));
            assertThrows(StoreUnavailableException.class, () -> g.issueChallenge("c", Duration.ofMinutes(1)));
        });
    }

    /** The other refusals, each naming its property (the failure report itself: StartupFailureTest). */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "soter.wechat.app-id        | soter.wechat.app-id=wx with spaces",
        "soter.wechat.base-url      | soter.wechat.base-url=https://wechat-gateway.invalid/api",
        "soter.wechat.base-url      | soter.wechat.base-url=not a url",
        "soter.wechat.max-attempts  | soter.wechat.max-attempts=0",
        "soter.wechat.timeout       | soter.wechat.timeout=0s",
        "soter.wechat.connect-timeout | soter.wechat.connect-timeout=0s",
        "soter.wechat.attempt-timeout | soter.wechat.attempt-timeout=0s",
        "soter.wechat.timeout       | soter.wechat.timeout=2h",
        "soter.wechat.backoff-max   | soter.wechat.backoff-base=100ms",
        "soter.wechat.backoff-base  | soter.wechat.backoff-max=1s",
        "soter.wechat.backoff-max   | soter.wechat.backoff-base=100ms, soter.wechat.backoff-max=0ms",
        "soter.wechat.max-response-size | soter.wechat.max-response-size=10B",
        "soter.wechat.refresh-margin | soter.wechat.refresh-margin=0s",
        "soter.wechat.token-retry-max | soter.wechat.token-retry-max=0s",
        "soter.wechat.token-retry-max | soter.wechat.token-retry-max=2h",
        "soter.wechat.fixed-token   | soter.wechat.token-source=fixed",
        "soter.wechat.cloudbase-token-file | soter.wechat.cloudbase-token-file=/tmp/token",
        "soter.wechat.token-source  | soter.wechat.token-source=supplier",
        "soter.replay.prefix        | soter.replay.redis-url=redis://127.0.0.1:6379, soter.replay.prefix={app}",
        "soter.replay.timeout       | soter.replay.redis-url=redis://127.0.0.1:6379, soter.replay.timeout=0s",
        "soter.replay.prefix        | soter.replay.prefix=app:",
        "soter.replay.tls-ca-pem    | soter.replay.tls-ca-pem=classpath:soter/ask.pem",
        "soter.replay.max-challenges | soter.replay.redis-url=redis://127.0.0.1:6379, soter.replay.max-challenges=10",
        "soter.replay.max-devices   | soter.replay.max-devices=0",
        "soter.ask-pem              | soter.ask-pem=-----BEGIN PUBLIC KEY-----\\nbm90IGEga2V5\\n-----END PUBLIC KEY-----",
        "soter.ask-pem              | soter.ask-pem=",
    })
    void refusalsNameTheProperty(String property, String settings) {
        // Settings that configure a WeChat client unless the case overrides them (later values win).
        runner.withPropertyValues("soter.wechat.app-id=" + APPID, "soter.wechat.app-secret=" + SECRET)
                .withPropertyValues(settings.replace("\\n", "\n").split(", "))
                .run(context -> {
                    Throwable failure = context.getStartupFailure();
                    assertTrue(failure != null, settings + ": the context started");
                    SoterConfigurationException e = find(failure);
                    assertEquals(property, e.property(), settings + ": " + e.getMessage());
                    assertFalse(e.getMessage().contains(SECRET));
                });
    }

    private static SoterConfigurationException find(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SoterConfigurationException e) {
                return e;
            }
        }
        throw new AssertionError("no SoterConfigurationException in " + t, t);
    }
}
