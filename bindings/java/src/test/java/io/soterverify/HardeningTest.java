package io.soterverify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.soterverify.testing.Device;
import io.soterverify.testing.Fault;
import io.soterverify.testing.SignedData;
import io.soterverify.testing.WeChatEmulator;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Regressions of the second hardening review (issue 12) through the Java binding: token lifetimes,
 * re-entrant suppliers, gzip bodies, proxies, the salt rule. Loopback only; refusals use .invalid.
 */
@Timeout(120)
class HardeningTest {
    static final String APPID = "wxhardeningjava01";
    static final String OPENID = "o_hardening_java";
    static final Path HOSTILE = TestSupport.vectors().resolve("../hostile").normalize();

    static Device device;
    static SignedData signed;

    @BeforeAll
    static void device() {
        device = Device.create();
        signed = device.signResult("hardening");
    }

    @AfterAll
    static void closeDevice() {
        device.close();
    }

    @Test
    void hugeSupplierValidityFromFourThreads() throws Exception {
        for (Duration validity : List.of(Duration.ofSeconds(Long.MAX_VALUE), Duration.ofSeconds(Long.MAX_VALUE, 999_999_999))) {
            try (WeChatEmulator emu = WeChatEmulator.start(APPID, "s")) {
                emu.registerDevice(OPENID, device);
                emu.addToken("JAVA-HUGE-LIFETIME", Duration.ofMinutes(10));
                AtomicInteger fetches = new AtomicInteger();
                try (WeChatClient c = WeChatClient.builder(APPID, "").baseUrl(emu.baseUrl()).tokenSource(force -> {
                    fetches.incrementAndGet();
                    Thread.sleep(100); // the other threads queue up behind this fetch
                    return AccessToken.of("JAVA-HUGE-LIFETIME", validity);
                }).build()) {
                    ExecutorService pool = Executors.newFixedThreadPool(4, r -> {
                        Thread t = new Thread(r);
                        t.setDaemon(true); // a hung thread must not keep the JVM alive
                        return t;
                    });
                    List<Future<Boolean>> calls = new ArrayList<>();
                    for (int i = 0; i < 4; i++) {
                        calls.add(pool.submit(() -> c.soterVerifySignature(OPENID, signed.json(), signed.signature())));
                    }
                    for (Future<Boolean> f : calls) {
                        assertTrue(f.get(20, TimeUnit.SECONDS), "validity " + validity);
                    }
                    assertEquals(1, fetches.get());
                    assertTrue(pool.submit(() -> c.soterVerifySignature(OPENID, signed.json(), signed.signature()))
                            .get(20, TimeUnit.SECONDS));
                    pool.shutdownNow();
                }
            }
        }
        assertEquals(Long.MAX_VALUE, SupplierCallback.ceilSeconds(Duration.ofSeconds(Long.MAX_VALUE, 999_999_999)));
        assertEquals(2, SupplierCallback.ceilSeconds(Duration.ofMillis(1500)));
        assertEquals(1, SupplierCallback.ceilSeconds(Duration.ofNanos(1)));
    }

    @Test
    void reEntrantSupplierFailsClearly() throws Exception {
        try (WeChatEmulator emu = WeChatEmulator.start(APPID, "s")) {
            emu.registerDevice(OPENID, device);
            AtomicReference<WeChatClient> self = new AtomicReference<>();
            AtomicReference<Throwable> inner = new AtomicReference<>();
            try (WeChatClient c = WeChatClient.builder(APPID, "").baseUrl(emu.baseUrl()).tokenSource(force -> {
                try {
                    self.get().soterVerifySignature(OPENID, signed.json(), signed.signature());
                } catch (SoterException e) {
                    inner.set(e);
                    throw e;
                }
                return AccessToken.of("NEVER");
            }).build()) {
                self.set(c);
                ExecutorService one = Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r);
                    t.setDaemon(true);
                    return t;
                });
                Future<Boolean> call = one.submit(() -> c.soterVerifySignature(OPENID, signed.json(), signed.signature()));
                Exception e = assertThrows(Exception.class, () -> call.get(20, TimeUnit.SECONDS));
                TokenException te = assertInstanceOf(TokenException.class, e.getCause(), String.valueOf(e));
                InvalidArgumentException ia = assertInstanceOf(InvalidArgumentException.class, inner.get());
                assertTrue(ia.getMessage().contains("re-entrant"), ia.getMessage());
                assertTrue(te.getCause() == ia, "the supplier's exception is the cause");
                one.shutdownNow();
            }
        }
    }

    @Test
    void gzipBodiesAreCappedAfterDecoding() throws Exception {
        // 32 MiB of JSON in ~32 KiB of gzip, against a 1 MiB cap.
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(zipped)) {
            gz.write("{\"errcode\":0,\"errmsg\":\"ok\",\"is_ok\":true,\"pad\":\"".getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[1 << 20];
            Arrays.fill(chunk, (byte) 'x');
            for (int i = 0; i < 32; i++) {
                gz.write(chunk);
            }
            gz.write("\"}".getBytes(StandardCharsets.US_ASCII));
        }
        byte[] bomb = zipped.toByteArray();
        assertTrue(bomb.length < 200 << 10, "small on the wire: " + bomb.length);
        List<String> advertised = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            advertised.add(String.valueOf(ex.getRequestHeaders().getFirst("Accept-Encoding")));
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.getResponseHeaders().add("Content-Encoding", "gzip");
            ex.sendResponseHeaders(200, bomb.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bomb);
            }
        });
        server.start();
        try (WeChatClient c = WeChatClient.builder(APPID, "").baseUrl("http://127.0.0.1:" + server.getAddress().getPort())
                .tokenSource(TokenSource.fixed("T")).maxAttempts(1).maxResponseSize(1 << 20).build()) {
            MalformedResponseException e = assertThrows(MalformedResponseException.class,
                    () -> c.soterVerifySignature(OPENID, signed.json(), signed.signature()));
            assertTrue(e.getMessage().contains("cap"), e.getMessage());
        } finally {
            server.stop(0);
        }
        assertFalse(advertised.isEmpty());
        for (String header : advertised) {
            for (String enc : header.split(",")) {
                String name = enc.split(";")[0].trim().toLowerCase();
                assertTrue(List.of("", "null", "identity", "gzip", "x-gzip").contains(name),
                        "the client advertises " + name + ": serve a bomb in it here");
            }
        }
    }

    @Test
    void plainHttpThroughARemoteProxyIsRefused() {
        assertThrows(ConfigException.class, () -> WeChatClient.builder(APPID, "s").baseUrl("http://127.0.0.1:9")
                .proxy("http://proxy.example.invalid:3128").build());
        assertThrows(ConfigException.class, () -> WeChatClient.builder(APPID, "s").baseUrl("http://[::1]:9")
                .proxy("socks5://proxy.example.invalid:1080").build());
        WeChatClient.builder(APPID, "s").baseUrl("http://127.0.0.1:9").proxy("http://proxy.example.invalid:3128")
                .allowInsecureHttp(true).build().close();
        WeChatClient.builder(APPID, "s").baseUrl("http://127.0.0.1:9").proxy("http://127.0.0.1:3128").build().close();
        WeChatClient.builder(APPID, "s").proxy("http://proxy.example.invalid:3128").build().close();
    }

    @Test
    void escapedSaltlenNameIsHonouredByVerifyAndAuthenticate() throws Exception {
        byte[] doc = Files.readAllBytes(HOSTILE.resolve("saltlen_escaped.json"));
        byte[] sig = Files.readAllBytes(HOSTILE.resolve("saltlen_escaped.sig"));
        try (PublicKey key = PublicKey.load(Files.readAllBytes(HOSTILE.resolve("key.pem")))) {
            assertTrue(new String(doc, StandardCharsets.UTF_8).contains("rsa_pss_salt\\u006cen"));
            assertTrue(key.verify(doc, sig));
            assertFalse(key.verify(doc, sig, 20));
            ResultJson r = Soter.authenticate(key, doc, sig, Expectations.builder("salt-rule").build());
            assertEquals(32, r.rsaPssSaltlen().getAsInt());
        }
    }

    @Test
    void faultEnumStillMapsOneToOne() {
        try (WeChatEmulator emu = WeChatEmulator.start(APPID, "s")) {
            for (Fault f : Fault.values()) {
                emu.injectFault(f, 1);
            }
            emu.clearFaults();
        }
    }
}
