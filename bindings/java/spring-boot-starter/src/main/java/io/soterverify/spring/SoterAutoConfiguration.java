package io.soterverify.spring;

import io.soterverify.PublicKey;
import io.soterverify.ReplayGuard;
import io.soterverify.SoterException;
import io.soterverify.TokenSource;
import io.soterverify.TokenSupplier;
import io.soterverify.WeChatClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;

/**
 * Auto-configures soter-verify from the {@code soter.*} properties ({@link SoterProperties}):
 *
 * <ul>
 * <li>a {@link WeChatClient} when {@code soter.wechat.app-id} is set;</li>
 * <li>a {@link ReplayGuard} on Redis ({@code soter.replay.redis-url},
 *     {@code soter.replay.redis-cluster-nodes} or {@code soter.replay.sentinel.nodes}), else in
 *     this process's memory;</li>
 * <li>one ASK key trusted by other means as a {@link PublicKey} when {@code soter.ask-pem} is set
 *     (optional: each device's own ASK is checked at its enrollment, see the README).</li>
 * </ul>
 *
 * <p>Each bean backs off when the application defines its own bean of that type, and is closed
 * when the context closes. A property that cannot be used fails the startup with a
 * {@link SoterConfigurationException} naming it; secret values (app secret, tokens, proxy and
 * Redis passwords) are never part of the message.
 */
@AutoConfiguration
@ConditionalOnClass(ReplayGuard.class)
@EnableConfigurationProperties(SoterProperties.class)
public class SoterAutoConfiguration {
    private static final String WECHAT = "soter.wechat.";
    private static final String REPLAY = "soter.replay.";
    /** A PEM read from a resource larger than this is refused (a key or a few certificates are far smaller). */
    private static final int MAX_PEM_BYTES = 1 << 20;

    /** Created by Spring Boot. */
    public SoterAutoConfiguration() {}

    /**
     * The app's WeChat server API client, from {@code soter.wechat.*}.
     *
     * @param properties the properties
     * @param suppliers the application's {@link TokenSupplier}, for token source {@code supplier}
     * @return the client, closed with the context
     * @throws SoterConfigurationException when a {@code soter.wechat.*} property cannot be used
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "soter.wechat", name = "app-id")
    public WeChatClient soterWeChatClient(SoterProperties properties, ObjectProvider<TokenSupplier> suppliers) {
        SoterProperties.WeChat w = properties.getWechat();
        String secret = w.getAppSecret() == null ? "" : w.getAppSecret();
        WeChatClient.Builder b = WeChatClient.builder(w.getAppId(), secret).tokenSource(tokenSource(w, suppliers));
        if (w.getBaseUrl() != null) {
            b.baseUrl(w.getBaseUrl());
        }
        b.allowInsecureHttp(w.isAllowInsecureHttp());
        if (w.getTimeout() != null) {
            set(WECHAT + "timeout", () -> b.timeout(w.getTimeout()));
        }
        if (w.getAttemptTimeout() != null) {
            set(WECHAT + "attempt-timeout", () -> b.attemptTimeout(w.getAttemptTimeout()));
        }
        if (w.getConnectTimeout() != null) {
            set(WECHAT + "connect-timeout", () -> b.connectTimeout(w.getConnectTimeout()));
        }
        if (w.getProxy() != null) {
            b.proxy(w.getProxy());
        }
        if (w.getMaxAttempts() != null) {
            set(WECHAT + "max-attempts", () -> b.maxAttempts(w.getMaxAttempts()));
        }
        if ((w.getBackoffBase() == null) != (w.getBackoffMax() == null)) {
            String missing = w.getBackoffBase() == null ? "backoff-base" : "backoff-max";
            throw new SoterConfigurationException(WECHAT + missing, "it is not set, but the other of "
                    + "soter.wechat.backoff-base and soter.wechat.backoff-max is: set both or neither", null);
        }
        if (w.getBackoffBase() != null) {
            // The base first (checked with itself as the cap), so a refusal names the right one.
            set(WECHAT + "backoff-base", () -> b.backoff(w.getBackoffBase(), w.getBackoffBase()));
            set(WECHAT + "backoff-max", () -> b.backoff(w.getBackoffBase(), w.getBackoffMax()));
        }
        if (w.getMaxResponseSize() != null) {
            set(WECHAT + "max-response-size", () -> b.maxResponseSize(w.getMaxResponseSize().toBytes()));
        }
        if (w.getRefreshMargin() != null) {
            set(WECHAT + "refresh-margin", () -> b.refreshMargin(w.getRefreshMargin()));
        }
        if (w.getTokenRetryMax() != null) {
            set(WECHAT + "token-retry-max", () -> b.tokenRetryMax(w.getTokenRetryMax()));
        }
        if (w.getMaxIdleConnections() != null) {
            set(WECHAT + "max-idle-connections", () -> b.maxIdleConnections(w.getMaxIdleConnections()));
        }
        try {
            return b.build();
        } catch (SoterException e) {
            throw new SoterConfigurationException(wechatProperty(e.getMessage()), e.getMessage(), e);
        }
    }

    /**
     * The replay guard, from {@code soter.replay.*}: on Redis when a Redis is set (one server, a
     * Cluster, or the master Sentinel names), else in memory (one process only: several instances
     * of the application need Redis).
     *
     * @param properties the properties
     * @param resources where {@code soter.replay.tls-ca-pem} locations are read
     * @return the guard, closed with the context
     * @throws SoterConfigurationException when a {@code soter.replay.*} property cannot be used
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public ReplayGuard soterReplayGuard(SoterProperties properties, ResourceLoader resources) {
        SoterProperties.Replay r = properties.getReplay();
        SoterProperties.Sentinel s = r.getSentinel();
        boolean standalone = r.getRedisUrl() != null;
        List<String> nodes = r.getRedisClusterNodes() == null ? List.of() : r.getRedisClusterNodes();
        boolean cluster = !nodes.isEmpty();
        List<String> sentinels = s.getNodes() == null ? List.of() : s.getNodes();
        boolean sentinel = !sentinels.isEmpty();
        if ((standalone ? 1 : 0) + (cluster ? 1 : 0) + (sentinel ? 1 : 0) > 1) {
            throw new SoterConfigurationException(REPLAY + (standalone ? "redis-url" : "redis-cluster-nodes"),
                    "it is set together with " + (standalone && cluster ? "soter.replay.redis-cluster-nodes"
                            : "soter.replay.sentinel.nodes") + "; set only one of redis-url (one Redis server), "
                            + "redis-cluster-nodes (a Redis Cluster) and sentinel.nodes (Redis Sentinel)", null);
        }
        int perSubject = r.getMaxChallengesPerSubject();
        set(REPLAY + "max-challenges-per-subject", () -> ReplayGuard.MemoryOptions.defaults()
                .maxChallengesPerSubject(perSubject));
        if (!sentinel) {
            // Sentinel settings without Sentinels most likely mean missing nodes: refuse.
            String sentinelOnly = s.getMaster() != null ? "master" : s.getPassword() != null ? "password"
                    : s.getSentinelPassword() != null ? "sentinel-password" : s.getDb() != 0 ? "db" : null;
            if (sentinelOnly != null) {
                throw new SoterConfigurationException(REPLAY + "sentinel." + sentinelOnly,
                        "it applies to Redis Sentinel, but soter.replay.sentinel.nodes is not set", null);
            }
        }
        if (!standalone && !cluster && !sentinel) {
            // A Redis-only setting without Redis most likely means a missing redis-url: refuse
            // rather than silently keep challenges in one instance's memory.
            String redisOnly = r.getPrefix() != null ? "prefix" : r.getTimeout() != null ? "timeout"
                    : r.getTlsCaPem() != null ? "tls-ca-pem" : r.getWaitReplicas() != 0 ? "wait-replicas" : null;
            if (redisOnly != null) {
                throw new SoterConfigurationException(REPLAY + redisOnly, "it applies to Redis, but none of "
                        + "soter.replay.redis-url, soter.replay.redis-cluster-nodes and soter.replay.sentinel.nodes "
                        + "is set", null);
            }
            long maxChallenges =
                    atLeastOne("max-challenges", r.getMaxChallenges(), ReplayGuard.DEFAULT_MAX_CHALLENGES);
            long maxDevices = atLeastOne("max-devices", r.getMaxDevices(), ReplayGuard.DEFAULT_MAX_DEVICES);
            return ReplayGuard.memory(ReplayGuard.MemoryOptions.defaults().maxChallenges(maxChallenges)
                    .maxDevices(maxDevices).maxChallengesPerSubject(perSubject));
        }
        if (r.getMaxChallenges() != null || r.getMaxDevices() != null) {
            String memoryOnly = r.getMaxChallenges() != null ? "max-challenges" : "max-devices";
            throw new SoterConfigurationException(REPLAY + memoryOnly,
                    "it applies to the in-memory guard only, but a Redis is set", null);
        }
        ReplayGuard.RedisOptions options = ReplayGuard.RedisOptions.defaults().maxChallengesPerSubject(perSubject);
        if (r.getPrefix() != null) {
            options = options.prefix(r.getPrefix());
        }
        if (r.getTimeout() != null) {
            Duration timeout = r.getTimeout();
            ReplayGuard.RedisOptions base = options;
            options = set(REPLAY + "timeout", () -> base.timeout(timeout));
        }
        if (r.getTlsCaPem() != null) {
            options = options.tlsCaPem(pemText(REPLAY + "tls-ca-pem", r.getTlsCaPem(), resources));
        }
        ReplayGuard.RedisOptions withWait = options;
        options = set(REPLAY + "wait-replicas", () -> withWait.waitReplicas(r.getWaitReplicas()));
        try {
            if (standalone) {
                return ReplayGuard.redis(r.getRedisUrl(), options);
            } else if (cluster) {
                return ReplayGuard.redisCluster(nodes, options);
            }
            if (s.getMaster() == null || s.getMaster().isBlank()) {
                throw new SoterConfigurationException(REPLAY + "sentinel.master", "it is not set, but "
                        + "soter.replay.sentinel.nodes is: name the master the Sentinels monitor", null);
            }
            ReplayGuard.RedisOptions base = options.password(s.getPassword()).sentinelPassword(s.getSentinelPassword());
            options = set(REPLAY + "sentinel.db", () -> base.db(s.getDb()));
            List<String> urls = sentinels.stream().map(n -> n.contains("://") ? n : "redis://" + n).toList();
            return ReplayGuard.redisSentinel(urls, s.getMaster(), options);
        } catch (SoterException e) {
            // The library's messages show Redis URLs with the password replaced, and never a
            // password given apart.
            String m = e.getMessage();
            String at = m.contains("key prefix") ? REPLAY + "prefix"
                    : m.contains("Redis timeout") ? REPLAY + "timeout"
                    : m.contains("service name") ? REPLAY + "sentinel.master"
                    : m.startsWith("password ") ? REPLAY + "sentinel.password"
                    : m.startsWith("sentinelPassword ") ? REPLAY + "sentinel.sentinel-password"
                    : standalone ? REPLAY + "redis-url" : cluster ? REPLAY + "redis-cluster-nodes"
                    : REPLAY + "sentinel.nodes";
            throw new SoterConfigurationException(at, m, e);
        }
    }

    /**
     * One ASK public key trusted by other means, from {@code soter.ask-pem}. Not the per-device
     * model: there each device's ASK is checked ({@code Soter.verifyAskChain},
     * {@code WeChatClient.soterVerifyAsk}) and stored by device.
     *
     * @param properties the properties
     * @param resources where a location in {@code soter.ask-pem} is read
     * @return the key, closed with the context
     * @throws SoterConfigurationException when the key cannot be read or used
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "soter", name = "ask-pem")
    public PublicKey soterAsk(SoterProperties properties, ResourceLoader resources) {
        String pem = pemText("soter.ask-pem", properties.getAskPem(), resources);
        try {
            return PublicKey.load(pem);
        } catch (SoterException e) {
            throw new SoterConfigurationException("soter.ask-pem", "it is not a usable public key: " + e.getMessage(), e);
        }
    }

    private static TokenSource tokenSource(SoterProperties.WeChat w, ObjectProvider<TokenSupplier> suppliers) {
        SoterProperties.TokenSourceType type = w.getTokenSource();
        if (type == null) {
            throw new SoterConfigurationException(WECHAT + "token-source", "it is empty", null);
        }
        if (w.getFixedToken() != null && type != SoterProperties.TokenSourceType.FIXED) {
            throw new SoterConfigurationException(WECHAT + "fixed-token", "it is set, but soter.wechat.token-source is "
                    + kebab(type) + ", not fixed", null);
        }
        if (w.getCloudbaseTokenFile() != null && type != SoterProperties.TokenSourceType.CLOUDBASE_FILE) {
            throw new SoterConfigurationException(WECHAT + "cloudbase-token-file", "it is set, but "
                    + "soter.wechat.token-source is " + kebab(type) + ", not cloudbase-file", null);
        }
        switch (type) {
            case STABLE:
                return TokenSource.stable();
            case CLASSIC:
                return TokenSource.classic();
            case FIXED:
                if (w.getFixedToken() == null || w.getFixedToken().isEmpty()) {
                    throw new SoterConfigurationException(WECHAT + "fixed-token",
                            "it is not set, but soter.wechat.token-source fixed needs the token", null);
                }
                return TokenSource.fixed(w.getFixedToken());
            case SUPPLIER:
                TokenSupplier supplier = suppliers.getIfUnique();
                if (supplier == null) {
                    throw new SoterConfigurationException(WECHAT + "token-source", "it is supplier, but the "
                            + "application defines no TokenSupplier bean (or more than one)", null);
                }
                return TokenSource.supplier(supplier);
            case CLOUD_OPEN_API:
                return TokenSource.cloudOpenApi();
            case CLOUDBASE_FILE:
                return w.getCloudbaseTokenFile() == null ? TokenSource.cloudbaseFile()
                        : TokenSource.cloudbaseFile(w.getCloudbaseTokenFile());
            default:
                throw new IllegalStateException("unhandled token source " + type);
        }
    }

    /**
     * The property a {@code soter.wechat.*} build failure is about: the library's configuration
     * messages name the setting they refuse (its tests keep them).
     */
    static String wechatProperty(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        if (m.contains("appid")) {
            return WECHAT + "app-id";
        } else if (m.contains("app secret")) {
            return WECHAT + "app-secret";
        } else if (m.contains("proxy")) {
            return WECHAT + "proxy";
        } else if (m.contains("base url") || m.contains("plain http")) {
            return WECHAT + "base-url";
        } else if (m.contains("response size")) {
            return WECHAT + "max-response-size";
        } else if (m.contains("access token")) {
            return WECHAT + "fixed-token";
        } else if (m.contains("max_attempts")) {
            return WECHAT + "max-attempts";
        } else if (m.contains("timeout")) {
            return WECHAT + "timeout";
        }
        return "soter.wechat";
    }

    /**
     * PEM text given inline (it contains {@code -----BEGIN}) or read from a resource location
     * ({@code classpath:}, {@code file:}, or a file path), the way Spring Boot's SSL bundles take PEM.
     */
    static String pemText(String property, String value, ResourceLoader resources) {
        if (value == null || value.isBlank()) {
            throw new SoterConfigurationException(property, "it is empty", null);
        }
        if (value.contains("-----BEGIN")) {
            return value;
        }
        String location = value.trim();
        Resource resource = location.contains(":") ? resources.getResource(location) : new FileSystemResource(location);
        try (InputStream in = resource.getInputStream()) {
            byte[] data = in.readNBytes(MAX_PEM_BYTES + 1);
            if (data.length > MAX_PEM_BYTES) {
                throw new SoterConfigurationException(property, "it names a resource larger than 1 MiB: " + location, null);
            }
            return new String(data, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SoterConfigurationException(property, "it is neither PEM text nor a readable resource: "
                    + e.getMessage(), e);
        }
    }

    private static long atLeastOne(String name, Long value, long fallback) {
        if (value == null) {
            return fallback;
        }
        if (value < 1) {
            throw new SoterConfigurationException(REPLAY + name, "it must be at least 1, not " + value, null);
        }
        return value;
    }

    private static String kebab(SoterProperties.TokenSourceType type) {
        return type.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Applies a setting whose range check throws IllegalArgumentException. */
    private static <T> T set(String property, Supplier<T> setting) {
        try {
            return setting.get();
        } catch (IllegalArgumentException e) {
            throw new SoterConfigurationException(property, e.getMessage(), e);
        }
    }
}
