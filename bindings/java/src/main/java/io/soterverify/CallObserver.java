package io.soterverify;

/**
 * Told about every call a {@link ReplayGuard} or a {@link WeChatClient} completes, for metrics
 * (the Spring Boot starter registers one that feeds Micrometer). Called on the thread that made
 * the call, after it returned or threw; it must be quick and must not call back into the object
 * it observes. An exception it throws is ignored.
 */
@FunctionalInterface
public interface CallObserver {
    /**
     * A call completed.
     *
     * @param operation the guard's method ({@code "issueChallenge"}, {@code "authenticate"},
     *     {@code "accept"}, {@code "authenticateViaWeChat"}, {@code "lastCounter"}, {@code "ping"}),
     *     or the WeChat endpoint the client called ({@code "soter/verify_signature"},
     *     {@code "soter/verify_ask"}, {@code "soter/is_support"}, {@code "face/getinfo"},
     *     {@code "face/getverifyid"}, {@code "face/queryverifyinfo"})
     * @param nanos how long it took, retries and token fetches included
     * @param failure what it threw ({@link SoterException}'s subclasses; a {@link WeChatApiException}
     *     carries WeChat's errcode), or null when it returned
     */
    void completed(String operation, long nanos, Throwable failure);
}
