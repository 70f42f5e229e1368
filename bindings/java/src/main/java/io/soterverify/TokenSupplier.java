package io.soterverify;

/**
 * Your own access token service (a central token server, a Redis cache shared by your servers),
 * plugged into a {@link WeChatClient} with {@link WeChatClient.Builder#tokenSource(TokenSupplier)}.
 *
 * <p>The client calls it on the thread that needs a token, never concurrently for one client
 * (single flight), when its cache is cold or expiring, and with {@code forceRefresh} true after
 * WeChat rejected the previous token (40001, 40014, 42001): then return a fresh token, not your
 * cached copy. It must not call back into the same client: such a call fails at once with an
 * {@link InvalidArgumentException} (it would otherwise wait for the fetch it is part of). Anything
 * it throws, and a null result, becomes a {@link TokenException} for the call that needed the
 * token (the throwable is its cause); it never crashes the JVM. Validities above a day count as a
 * day.
 *
 * <pre>{@code
 * WeChatClient client = WeChatClient.builder(appId, "")
 *         .tokenSource(force -> AccessToken.of(tokenService.get(appId, force), Duration.ofMinutes(10)))
 *         .build();
 * }</pre>
 */
@FunctionalInterface
public interface TokenSupplier {
    /**
     * Supplies an access token.
     *
     * @param forceRefresh true when WeChat rejected the previous token and a new one is wanted
     * @return the token (not null)
     * @throws Exception any failure; the call that needed the token fails with {@link TokenException}
     */
    AccessToken get(boolean forceRefresh) throws Exception;
}
