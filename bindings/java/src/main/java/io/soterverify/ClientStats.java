package io.soterverify;

/**
 * Counters of a {@link WeChatClient} since it was built, for metrics and tests. Immutable snapshot.
 */
public final class ClientStats {
    private final long httpRequests;
    private final long retries;
    private final long tokenFetches;
    private final long tokenRetries;

    ClientStats(long httpRequests, long retries, long tokenFetches, long tokenRetries) {
        this.httpRequests = httpRequests;
        this.retries = retries;
        this.tokenFetches = tokenFetches;
        this.tokenRetries = tokenRetries;
    }

    /**
     * HTTP requests sent (every attempt, token requests included).
     *
     * @return the count
     */
    public long httpRequests() {
        return httpRequests;
    }

    /**
     * Retries after errcode -1, HTTP 5xx or connection failures.
     *
     * @return the count
     */
    public long retries() {
        return retries;
    }

    /**
     * Tokens obtained from the source (WeChat, the supplier, the file).
     *
     * @return the count
     */
    public long tokenFetches() {
        return tokenFetches;
    }

    /**
     * Calls retried once after a token error (40001, 40014, 42001).
     *
     * @return the count
     */
    public long tokenRetries() {
        return tokenRetries;
    }

    @Override
    public String toString() {
        return "ClientStats[httpRequests=" + httpRequests + ", retries=" + retries + ", tokenFetches="
                + tokenFetches + ", tokenRetries=" + tokenRetries + "]";
    }
}
