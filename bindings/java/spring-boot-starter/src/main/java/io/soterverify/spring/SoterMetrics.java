package io.soterverify.spring;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.soterverify.ReplayGuard;
import io.soterverify.SoterException;
import io.soterverify.StoreUnavailableException;
import io.soterverify.WeChatApiException;
import io.soterverify.WeChatClient;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Micrometer meters for the context's {@link ReplayGuard} and {@link WeChatClient}, from what
 * their calls show (a {@link io.soterverify.CallObserver}) and the client's counters:
 *
 * <ul>
 * <li>{@code soter.verifications} (counter; {@code operation} authenticate, accept or
 *     authenticateViaWeChat; {@code outcome} accepted or the refusal's status in lower case, e.g.
 *     signature_invalid, challenge_mismatch, counter_replay, store_unavailable);</li>
 * <li>{@code soter.store.calls} (timer; {@code operation}, {@code outcome} ok or the status): every
 *     guard call, signature checks included (about 10 us);</li>
 * <li>{@code soter.store.unavailable} (counter): calls that failed with {@link StoreUnavailableException};</li>
 * <li>{@code soter.wechat.calls} (timer; {@code endpoint} e.g. soter/verify_signature,
 *     {@code errcode} 0 on success, WeChat's errcode on {@link WeChatApiException}, else none;
 *     {@code outcome} ok or the status);</li>
 * <li>{@code soter.wechat.token.fetches}, {@code soter.wechat.token.refreshes} (forced after a token
 *     error), {@code soter.wechat.retries}, {@code soter.wechat.http.requests}: the client's
 *     {@link io.soterverify.ClientStats}, all requests included (also the verify_signature call
 *     inside authenticateViaWeChat, which is counted as the guard's operation, not as an endpoint).</li>
 * </ul>
 */
public final class SoterMetrics implements MeterBinder {
    private static final Set<String> VERIFICATIONS = Set.of("authenticate", "accept", "authenticateViaWeChat");

    private final ReplayGuard guard;
    private final WeChatClient client;

    /**
     * Meters for the given beans.
     *
     * @param guard the guard, or null
     * @param client the client, or null
     */
    public SoterMetrics(ReplayGuard guard, WeChatClient client) {
        this.guard = guard;
        this.client = client;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        if (guard != null) {
            Counter unavailable = Counter.builder("soter.store.unavailable")
                    .description("Replay guard calls that failed because the store could not confirm").register(registry);
            guard.addCallObserver((operation, nanos, failure) -> {
                String outcome = outcome(failure);
                Timer.builder("soter.store.calls").description("Replay guard calls").tag("operation", operation)
                        .tag("outcome", outcome).register(registry).record(nanos, TimeUnit.NANOSECONDS);
                if (failure instanceof StoreUnavailableException) {
                    unavailable.increment();
                }
                if (VERIFICATIONS.contains(operation)) {
                    Counter.builder("soter.verifications").description("Results verified, by outcome")
                            .tag("operation", operation).tag("outcome", failure == null ? "accepted" : outcome)
                            .register(registry).increment();
                }
            });
        }
        if (client != null) {
            client.addCallObserver((endpoint, nanos, failure) -> {
                String errcode = failure == null ? "0"
                        : failure instanceof WeChatApiException ? Long.toString(((WeChatApiException) failure).errcode())
                        : "none";
                Timer.builder("soter.wechat.calls").description("WeChat API calls, by endpoint and errcode")
                        .tag("endpoint", endpoint).tag("errcode", errcode).tag("outcome", outcome(failure))
                        .register(registry).record(nanos, TimeUnit.NANOSECONDS);
            });
            WeChatClient c = client;
            FunctionCounter.builder("soter.wechat.token.fetches", c, x -> x.isClosed() ? 0 : x.stats().tokenFetches())
                    .description("Access tokens obtained from the token source").register(registry);
            FunctionCounter.builder("soter.wechat.token.refreshes", c, x -> x.isClosed() ? 0 : x.stats().tokenRetries())
                    .description("Calls retried with a new token after a token error").register(registry);
            FunctionCounter.builder("soter.wechat.retries", c, x -> x.isClosed() ? 0 : x.stats().retries())
                    .description("Retries after errcode -1, HTTP 5xx or connection failures").register(registry);
            FunctionCounter.builder("soter.wechat.http.requests", c, x -> x.isClosed() ? 0 : x.stats().httpRequests())
                    .description("HTTP requests sent to WeChat, token requests included").register(registry);
        }
    }

    /** "ok", or the failure's status ("store_unavailable"), or its class for a non-library error. */
    static String outcome(Throwable failure) {
        if (failure == null) {
            return "ok";
        }
        if (failure instanceof SoterException) {
            return ((SoterException) failure).status().name().toLowerCase(Locale.ROOT);
        }
        return failure.getClass().getSimpleName();
    }
}
