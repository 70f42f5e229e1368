package io.soterverify.spring;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The {@code soter.*} properties. Unset settings keep the library's defaults. {@link #toString()}
 * shows no value (the app secret, tokens and Redis passwords live here).
 */
@ConfigurationProperties(prefix = "soter")
public class SoterProperties {
    /**
     * Optional: one ASK (Application Secure Key) public key trusted by other means, as a PublicKey
     * bean: the PEM text itself, or a resource location (classpath:ask.pem, file:/etc/soter/ask.pem,
     * or a file path). Not needed when each device's ASK is checked at its enrollment.
     */
    private String askPem;

    private final WeChat wechat = new WeChat();

    private final Replay replay = new Replay();

    /** Creates the properties with nothing set. */
    public SoterProperties() {}

    /**
     * The ASK setting.
     *
     * @return PEM text or a resource location, or null
     */
    public String getAskPem() {
        return askPem;
    }

    /**
     * Sets the ASK.
     *
     * @param askPem PEM text or a resource location
     */
    public void setAskPem(String askPem) {
        this.askPem = askPem;
    }

    /**
     * The {@code soter.wechat.*} settings.
     *
     * @return the WeChat client settings
     */
    public WeChat getWechat() {
        return wechat;
    }

    /**
     * The {@code soter.replay.*} settings.
     *
     * @return the replay guard settings
     */
    public Replay getReplay() {
        return replay;
    }

    @Override
    public String toString() {
        return "SoterProperties[values not shown]";
    }

    /** Where the WeChat client gets its access tokens (the TokenSource factories). */
    public enum TokenSourceType {
        /** POST /cgi-bin/stable_token with the app secret: the same token for every server of the app. */
        STABLE,
        /** GET /cgi-bin/token with the app secret: a new token per request (single-server apps only). */
        CLASSIC,
        /** A token you supply in soter.wechat.fixed-token. */
        FIXED,
        /** The application's TokenSupplier bean (your own token service). */
        SUPPLIER,
        /** WeChat cloud hosting open API service: no token, the platform's sidecar authenticates. */
        CLOUD_OPEN_API,
        /** WeChat cloud hosting: cloudbase_access_token read from the platform's file for every call. */
        CLOUDBASE_FILE
    }

    /**
     * {@code soter.wechat.*}: the {@link io.soterverify.WeChatClient}, configured when
     * {@code soter.wechat.app-id} is set.
     */
    public static class WeChat {
        /** The app's appid. Setting it creates the WeChatClient bean. */
        private String appId;

        /** The app secret (token sources stable and classic). Never printed. */
        private String appSecret;

        /** Where access tokens come from. */
        private TokenSourceType tokenSource = TokenSourceType.STABLE;

        /** The access token for token source fixed. Never printed. */
        private String fixedToken;

        /**
         * The token file for token source cloudbase-file (default: the platform's
         * /.tencentcloudbase/wx/cloudbase_access_token).
         */
        private Path cloudbaseTokenFile;

        /**
         * The API base URL, scheme://host[:port] (default https://api.weixin.qq.com). Plain http only
         * to a loopback address unless allow-insecure-http is set.
         */
        private String baseUrl;

        /** Allow plain http to a non-loopback base URL (a trusted internal gateway only). */
        private boolean allowInsecureHttp;

        /**
         * The overall deadline of one WeChat call: every attempt, retry backoff and the token fetch
         * it needs (library default 15s; at most 1h).
         */
        private Duration timeout;

        /** The longest one HTTP attempt may take; a timed-out attempt is retried while the deadline allows (library default 5s). */
        private Duration attemptTimeout;

        /** The connect timeout (library default 5s). */
        private Duration connectTimeout;

        /** An HTTP(S) proxy URL, e.g. http://proxy.internal:3128. Never printed (it may carry credentials). */
        private String proxy;

        /** Attempts per call for errcode -1, HTTP 5xx and connection failures, 1 to 10 (library default 3). */
        private Integer maxAttempts;

        /** The first retry delay, doubled per retry with jitter (library default 200ms); set with backoff-max. */
        private Duration backoffBase;

        /** The cap on one retry delay (library default 5s); set with backoff-base. */
        private Duration backoffMax;

        /** The largest response body accepted, at least 1KB (library default 1MB). */
        private DataSize maxResponseSize;

        /** Refresh a cached token when less than this remains of its validity (library default 5m). */
        private Duration refreshMargin;

        /**
         * The ceiling of the token-failure hold, 1ms to 1h (library default 30s): after a failed token fetch,
         * calls fail at once for 1s, doubling per consecutive failure up to this.
         */
        private Duration tokenRetryMax;

        /**
         * Idle keep-alive connections kept per host for reuse, 1 to 4096 (64): size it to the calls
         * in flight at once; a call finding none idle opens a new connection.
         */
        private Integer maxIdleConnections;

        /** Creates the settings with nothing set. */
        public WeChat() {}

        /**
         * The appid.
         *
         * @return the appid, or null
         */
        public String getAppId() {
            return appId;
        }

        /**
         * Sets the appid.
         *
         * @param appId the appid
         */
        public void setAppId(String appId) {
            this.appId = appId;
        }

        /**
         * The app secret.
         *
         * @return the secret, or null
         */
        public String getAppSecret() {
            return appSecret;
        }

        /**
         * Sets the app secret.
         *
         * @param appSecret the secret
         */
        public void setAppSecret(String appSecret) {
            this.appSecret = appSecret;
        }

        /**
         * The token source.
         *
         * @return the token source
         */
        public TokenSourceType getTokenSource() {
            return tokenSource;
        }

        /**
         * Sets the token source.
         *
         * @param tokenSource the token source
         */
        public void setTokenSource(TokenSourceType tokenSource) {
            this.tokenSource = tokenSource;
        }

        /**
         * The fixed token.
         *
         * @return the token, or null
         */
        public String getFixedToken() {
            return fixedToken;
        }

        /**
         * Sets the fixed token.
         *
         * @param fixedToken the token
         */
        public void setFixedToken(String fixedToken) {
            this.fixedToken = fixedToken;
        }

        /**
         * The cloudbase token file.
         *
         * @return the file, or null for the platform's default
         */
        public Path getCloudbaseTokenFile() {
            return cloudbaseTokenFile;
        }

        /**
         * Sets the cloudbase token file.
         *
         * @param cloudbaseTokenFile the file
         */
        public void setCloudbaseTokenFile(Path cloudbaseTokenFile) {
            this.cloudbaseTokenFile = cloudbaseTokenFile;
        }

        /**
         * The base URL.
         *
         * @return the URL, or null for the default
         */
        public String getBaseUrl() {
            return baseUrl;
        }

        /**
         * Sets the base URL.
         *
         * @param baseUrl the URL
         */
        public void setBaseUrl(String baseUrl) {
            this.baseUrl = baseUrl;
        }

        /**
         * Whether plain http to a remote host is allowed.
         *
         * @return true when allowed
         */
        public boolean isAllowInsecureHttp() {
            return allowInsecureHttp;
        }

        /**
         * Allows plain http to a remote host.
         *
         * @param allowInsecureHttp true to allow
         */
        public void setAllowInsecureHttp(boolean allowInsecureHttp) {
            this.allowInsecureHttp = allowInsecureHttp;
        }

        /**
         * The overall deadline of one call.
         *
         * @return the timeout, or null for the default
         */
        public Duration getTimeout() {
            return timeout;
        }

        /**
         * Sets the overall deadline of one call.
         *
         * @param timeout the timeout
         */
        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }

        /**
         * The longest one HTTP attempt may take.
         *
         * @return the timeout, or null for the default
         */
        public Duration getAttemptTimeout() {
            return attemptTimeout;
        }

        /**
         * Sets the longest one HTTP attempt may take.
         *
         * @param attemptTimeout the timeout
         */
        public void setAttemptTimeout(Duration attemptTimeout) {
            this.attemptTimeout = attemptTimeout;
        }

        /**
         * The connect timeout.
         *
         * @return the timeout, or null for the default
         */
        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        /**
         * Sets the connect timeout.
         *
         * @param connectTimeout the timeout
         */
        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        /**
         * The proxy URL.
         *
         * @return the URL, or null
         */
        public String getProxy() {
            return proxy;
        }

        /**
         * Sets the proxy URL.
         *
         * @param proxy the URL
         */
        public void setProxy(String proxy) {
            this.proxy = proxy;
        }

        /**
         * Attempts per call.
         *
         * @return the attempts, or null for the default
         */
        public Integer getMaxAttempts() {
            return maxAttempts;
        }

        /**
         * Sets the attempts per call.
         *
         * @param maxAttempts 1 to 10
         */
        public void setMaxAttempts(Integer maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        /**
         * The first retry delay.
         *
         * @return the delay, or null for the default
         */
        public Duration getBackoffBase() {
            return backoffBase;
        }

        /**
         * Sets the first retry delay.
         *
         * @param backoffBase the delay
         */
        public void setBackoffBase(Duration backoffBase) {
            this.backoffBase = backoffBase;
        }

        /**
         * The cap on one retry delay.
         *
         * @return the cap, or null for the default
         */
        public Duration getBackoffMax() {
            return backoffMax;
        }

        /**
         * Sets the cap on one retry delay.
         *
         * @param backoffMax the cap
         */
        public void setBackoffMax(Duration backoffMax) {
            this.backoffMax = backoffMax;
        }

        /**
         * The largest response body accepted.
         *
         * @return the size, or null for the default
         */
        public DataSize getMaxResponseSize() {
            return maxResponseSize;
        }

        /**
         * Sets the largest response body accepted.
         *
         * @param maxResponseSize the size
         */
        public void setMaxResponseSize(DataSize maxResponseSize) {
            this.maxResponseSize = maxResponseSize;
        }

        /**
         * The token refresh margin.
         *
         * @return the margin, or null for the default
         */
        public Duration getRefreshMargin() {
            return refreshMargin;
        }

        /**
         * Sets the token refresh margin.
         *
         * @param refreshMargin the margin
         */
        public void setRefreshMargin(Duration refreshMargin) {
            this.refreshMargin = refreshMargin;
        }

        /**
         * The ceiling of the token-failure hold.
         *
         * @return the ceiling, or null for the default
         */
        public Duration getTokenRetryMax() {
            return tokenRetryMax;
        }

        /**
         * Sets the ceiling of the token-failure hold.
         *
         * @param tokenRetryMax the ceiling
         */
        public void setTokenRetryMax(Duration tokenRetryMax) {
            this.tokenRetryMax = tokenRetryMax;
        }

        /**
         * Idle connections kept per host.
         *
         * @return the count, or null for the default
         */
        public Integer getMaxIdleConnections() {
            return maxIdleConnections;
        }

        /**
         * Sets the idle connections kept per host.
         *
         * @param maxIdleConnections 1 to 4096
         */
        public void setMaxIdleConnections(Integer maxIdleConnections) {
            this.maxIdleConnections = maxIdleConnections;
        }

        @Override
        public String toString() {
            return "SoterProperties.WeChat[values not shown]";
        }
    }

    /**
     * {@code soter.replay.*}: the {@link io.soterverify.ReplayGuard}, on Redis when redis-url,
     * redis-cluster-nodes or sentinel.nodes is set, else in this process's memory.
     */
    public static class Replay {
        /**
         * One Redis server: redis://[user:password@]host[:port][/db], or rediss:// for TLS. Shared by
         * every instance of the application. Never printed with its password.
         */
        private String redisUrl;

        /**
         * URLs of some nodes of a Redis Cluster (the first one's password and TLS mode apply to all);
         * instead of redis-url.
         */
        private List<String> redisClusterNodes;

        /** Prepended to every Redis key, without braces (library default soter:). */
        private String prefix;

        /**
         * The bound of one whole Redis guard call: connect, Sentinel discovery, retry, script and
         * WAIT (library default 1s; at most 1h). During an outage calls fail at once while one
         * call at a time checks whether Redis is back.
         */
        private Duration timeout;

        /**
         * PEM root certificate(s) to trust for rediss:// instead of the system's: the PEM text or a
         * resource location.
         */
        private String tlsCaPem;

        /** In memory (no Redis set): pending challenges held at most (library default 100000). */
        private Long maxChallenges;

        /** In memory (no Redis set): devices whose last counter is kept (library default 1000000). */
        private Long maxDevices;

        /**
         * Redis: replicas that must acknowledge a consumed challenge (WAIT) before a login counts;
         * fewer within the timeout fails the login closed (StoreUnavailableException). 0 does not
         * wait.
         */
        private int waitReplicas = 0;

        /**
         * Every store: pending challenges per subject, 1 to 1024; issuing past it drops that
         * subject's oldest.
         */
        private int maxChallengesPerSubject = 16;

        private final Sentinel sentinel = new Sentinel();

        /** Creates the settings with nothing set. */
        public Replay() {}

        /**
         * The Redis URL.
         *
         * @return the URL, or null
         */
        public String getRedisUrl() {
            return redisUrl;
        }

        /**
         * Sets the Redis URL.
         *
         * @param redisUrl the URL
         */
        public void setRedisUrl(String redisUrl) {
            this.redisUrl = redisUrl;
        }

        /**
         * The Cluster node URLs.
         *
         * @return the URLs, or null
         */
        public List<String> getRedisClusterNodes() {
            return redisClusterNodes;
        }

        /**
         * Sets the Cluster node URLs.
         *
         * @param redisClusterNodes the URLs
         */
        public void setRedisClusterNodes(List<String> redisClusterNodes) {
            this.redisClusterNodes = redisClusterNodes;
        }

        /**
         * The key prefix.
         *
         * @return the prefix, or null for the default
         */
        public String getPrefix() {
            return prefix;
        }

        /**
         * Sets the key prefix.
         *
         * @param prefix the prefix
         */
        public void setPrefix(String prefix) {
            this.prefix = prefix;
        }

        /**
         * The Redis timeout.
         *
         * @return the timeout, or null for the default
         */
        public Duration getTimeout() {
            return timeout;
        }

        /**
         * Sets the Redis timeout.
         *
         * @param timeout the timeout
         */
        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }

        /**
         * The TLS root certificate setting.
         *
         * @return PEM text or a resource location, or null
         */
        public String getTlsCaPem() {
            return tlsCaPem;
        }

        /**
         * Sets the TLS root certificate(s).
         *
         * @param tlsCaPem PEM text or a resource location
         */
        public void setTlsCaPem(String tlsCaPem) {
            this.tlsCaPem = tlsCaPem;
        }

        /**
         * The in-memory challenge bound.
         *
         * @return the bound, or null for the default
         */
        public Long getMaxChallenges() {
            return maxChallenges;
        }

        /**
         * Sets the in-memory challenge bound.
         *
         * @param maxChallenges at least 1
         */
        public void setMaxChallenges(Long maxChallenges) {
            this.maxChallenges = maxChallenges;
        }

        /**
         * The in-memory device bound.
         *
         * @return the bound, or null for the default
         */
        public Long getMaxDevices() {
            return maxDevices;
        }

        /**
         * Sets the in-memory device bound.
         *
         * @param maxDevices at least 1
         */
        public void setMaxDevices(Long maxDevices) {
            this.maxDevices = maxDevices;
        }

        /**
         * The replicas a consumed challenge waits for.
         *
         * @return 0 or more
         */
        public int getWaitReplicas() {
            return waitReplicas;
        }

        /**
         * Sets the replicas a consumed challenge waits for.
         *
         * @param waitReplicas 0 or more
         */
        public void setWaitReplicas(int waitReplicas) {
            this.waitReplicas = waitReplicas;
        }

        /**
         * The pending challenges per subject.
         *
         * @return the bound
         */
        public int getMaxChallengesPerSubject() {
            return maxChallengesPerSubject;
        }

        /**
         * Sets the pending challenges per subject.
         *
         * @param maxChallengesPerSubject 1 to 1024
         */
        public void setMaxChallengesPerSubject(int maxChallengesPerSubject) {
            this.maxChallengesPerSubject = maxChallengesPerSubject;
        }

        /**
         * The {@code soter.replay.sentinel.*} settings.
         *
         * @return the Sentinel settings
         */
        public Sentinel getSentinel() {
            return sentinel;
        }

        @Override
        public String toString() {
            return "SoterProperties.Replay[values not shown]";
        }
    }

    /**
     * {@code soter.replay.sentinel.*}: the guard on the master that Redis Sentinel names, instead of
     * redis-url or redis-cluster-nodes.
     */
    public static class Sentinel {
        /**
         * URLs of some Sentinels, redis://[:sentinel-password@]host:26379 or rediss:// for TLS to
         * the Sentinels and the master (host:port alone means redis://host:port). Setting them
         * makes the guard a Sentinel one.
         */
        private List<String> nodes;

        /** The master's name in the Sentinels' configuration (sentinel monitor NAME ...). */
        private String master;

        /** The master's password (requirepass), if any. Never printed. */
        private String password;

        /** The Sentinels' own password, if any and not in their URLs. Never printed. */
        private String sentinelPassword;

        /** The database on the master. */
        private long db = 0;

        /** Creates the settings with nothing set. */
        public Sentinel() {}

        /**
         * The Sentinel URLs.
         *
         * @return the URLs, or null
         */
        public List<String> getNodes() {
            return nodes;
        }

        /**
         * Sets the Sentinel URLs.
         *
         * @param nodes the URLs
         */
        public void setNodes(List<String> nodes) {
            this.nodes = nodes;
        }

        /**
         * The master's name.
         *
         * @return the name, or null
         */
        public String getMaster() {
            return master;
        }

        /**
         * Sets the master's name.
         *
         * @param master the name
         */
        public void setMaster(String master) {
            this.master = master;
        }

        /**
         * The master's password.
         *
         * @return the password, or null
         */
        public String getPassword() {
            return password;
        }

        /**
         * Sets the master's password.
         *
         * @param password the password
         */
        public void setPassword(String password) {
            this.password = password;
        }

        /**
         * The Sentinels' password.
         *
         * @return the password, or null
         */
        public String getSentinelPassword() {
            return sentinelPassword;
        }

        /**
         * Sets the Sentinels' password.
         *
         * @param sentinelPassword the password
         */
        public void setSentinelPassword(String sentinelPassword) {
            this.sentinelPassword = sentinelPassword;
        }

        /**
         * The database on the master.
         *
         * @return 0 or more
         */
        public long getDb() {
            return db;
        }

        /**
         * Sets the database on the master.
         *
         * @param db 0 or more
         */
        public void setDb(long db) {
            this.db = db;
        }

        @Override
        public String toString() {
            return "SoterProperties.Sentinel[values not shown]";
        }
    }
}
