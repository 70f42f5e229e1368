package io.soterverify.spring;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * A property that cannot be used stops the application at startup with Spring Boot's failure
 * report naming it; no secret appears anywhere in the output or in the exception thrown. (Which
 * property each other refusal names: {@link PropertiesTest#refusalsNameTheProperty}.)
 */
@ExtendWith(OutputCaptureExtension.class)
class StartupFailureTest {
    private static final String APP_SECRET = "Startup-App-Secret-5d1e";
    private static final String REDIS_PASSWORD = "Startup-Redis-Pw-77aa";
    private static final String PROXY_PASSWORD = "Startup-Proxy-Pw-3b9c";
    private static final String FIXED_TOKEN = "Startup-Fixed-Token-0c4d";
    private static final List<String> SECRETS = List.of(APP_SECRET, REDIS_PASSWORD, PROXY_PASSWORD, FIXED_TOKEN);

    private static final String APP_ID = "soter.wechat.app-id=wx-startup";
    private static final String SECRET = "soter.wechat.app-secret=" + APP_SECRET;
    private static final String REDIS = "redis://:" + REDIS_PASSWORD + "@127.0.0.1:6379";

    @SpringBootConfiguration
    @ImportAutoConfiguration(SoterAutoConfiguration.class)
    static class App {}

    /** The misconfigurations the issue names, and every one that involves a secret. */
    static Stream<Arguments> misconfigurations() {
        return Stream.of(
                arguments("unknown token source", List.of("soter.wechat.token-source"),
                        List.of(APP_ID, SECRET, "soter.wechat.token-source=bogus")),
                arguments("missing app secret", List.of("soter.wechat.app-secret"),
                        List.of(APP_ID, "soter.wechat.token-source=stable")),
                arguments("plain http to a remote base URL", List.of("soter.wechat.base-url"),
                        List.of(APP_ID, SECRET, "soter.wechat.base-url=http://wechat-gateway.invalid")),
                arguments("bad proxy URL", List.of("soter.wechat.proxy"),
                        List.of(APP_ID, SECRET, "soter.wechat.proxy=ftp://user:" + PROXY_PASSWORD + "@proxy.invalid:21")),
                arguments("fixed token with another token source", List.of("soter.wechat.fixed-token"),
                        List.of(APP_ID, SECRET, "soter.wechat.fixed-token=" + FIXED_TOKEN)),
                arguments("both redis-url and redis-cluster-nodes",
                        List.of("soter.replay.redis-url", "soter.replay.redis-cluster-nodes"),
                        List.of("soter.replay.redis-url=" + REDIS, "soter.replay.redis-cluster-nodes=" + REDIS)),
                arguments("bad Redis URL", List.of("soter.replay.redis-url"),
                        List.of("soter.replay.redis-url=http://:" + REDIS_PASSWORD + "@127.0.0.1:6379")),
                arguments("bad Redis Cluster node URL", List.of("soter.replay.redis-cluster-nodes"),
                        List.of("soter.replay.redis-cluster-nodes=" + REDIS + ",memcached://:" + REDIS_PASSWORD + "@x.invalid")),
                arguments("ASK location that does not exist", List.of("soter.ask-pem"),
                        List.of(SECRET, "soter.ask-pem=classpath:no-such-ask.pem")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("misconfigurations")
    void startupFailsNamingThePropertyWithoutSecrets(String what, List<String> named, List<String> properties,
            CapturedOutput output) {
        List<String> all = new ArrayList<>(properties);
        all.add("spring.main.banner-mode=off");
        Throwable failure = assertThrows(Throwable.class, () -> new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.NONE).properties(all.toArray(String[]::new)).run());

        String out = output.getAll();
        assertTrue(out.contains("APPLICATION FAILED TO START"), what + ": no failure report in\n" + out);
        String description = out.substring(out.indexOf("Description:"));
        for (String property : named) {
            assertTrue(description.contains(property), what + ": the report does not name " + property + ":\n" + out);
        }
        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        for (String secret : SECRETS) {
            assertFalse(out.contains(secret), what + ": a secret is in the startup output:\n" + out);
            assertFalse(trace.toString().contains(secret), what + ": a secret is in the exception:\n" + trace);
        }
    }
}
