package io.soterverify;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a {@link WeChatClient} gets its access token. Immutable; {@link #toString()} never shows a
 * token.
 *
 * <ul>
 * <li>{@link #stable()} (the default): {@code POST /cgi-bin/stable_token}, the same token for every
 *     server of the app; force_refresh only after a token error, at most every 30 s.</li>
 * <li>{@link #classic()}: {@code GET /cgi-bin/token}, a new token per request (it invalidates the
 *     previous one: only for apps with a single server).</li>
 * <li>{@link #fixed(String)}: a token you supply, replaceable with {@link WeChatClient#setFixedToken}.</li>
 * <li>{@link #supplier(TokenSupplier)}: your own token service (a Java lambda).</li>
 * <li>{@link #cloudOpenApi()}: WeChat cloud hosting (云托管) "open API service": no token at all,
 *     plain http to api.weixin.qq.com (the platform's sidecar authenticates).</li>
 * <li>{@link #cloudbaseFile()}: WeChat cloud hosting "微信令牌": read
 *     {@code cloudbase_access_token} from the file the platform keeps current, for every call.</li>
 * </ul>
 */
public final class TokenSource {
    final int kind;
    final String fixedToken;
    final Path file;
    final TokenSupplier supplier;

    private TokenSource(int kind, String fixedToken, Path file, TokenSupplier supplier) {
        this.kind = kind;
        this.fixedToken = fixedToken;
        this.file = file;
        this.supplier = supplier;
    }

    /**
     * {@code POST /cgi-bin/stable_token} with the app secret (the default).
     *
     * @return the source
     */
    public static TokenSource stable() {
        return new TokenSource(WeChatNative.TOKEN_STABLE, null, null, null);
    }

    /**
     * {@code GET /cgi-bin/token} with the app secret.
     *
     * @return the source
     */
    public static TokenSource classic() {
        return new TokenSource(WeChatNative.TOKEN_CLASSIC, null, null, null);
    }

    /**
     * A token you supply (the app secret may then be empty); replace it with
     * {@link WeChatClient#setFixedToken(String)} when your token service rotates it.
     *
     * @param token the access token
     * @return the source
     */
    public static TokenSource fixed(String token) {
        Objects.requireNonNull(token, "token must not be null");
        if (token.isEmpty()) {
            throw new IllegalArgumentException("the fixed token must not be empty");
        }
        return new TokenSource(WeChatNative.TOKEN_FIXED, token, null, null);
    }

    /**
     * Your own token service, called through the C token callback.
     *
     * @param supplier the supplier (kept for the client's lifetime)
     * @return the source
     */
    public static TokenSource supplier(TokenSupplier supplier) {
        Objects.requireNonNull(supplier, "supplier must not be null");
        return new TokenSource(WeChatNative.TOKEN_CALLBACK, null, null, supplier);
    }

    /**
     * WeChat cloud hosting open API service: no token; the base URL defaults to
     * {@code http://api.weixin.qq.com} (plain http is allowed for that host in this mode only).
     *
     * @return the source
     */
    public static TokenSource cloudOpenApi() {
        return new TokenSource(WeChatNative.TOKEN_CLOUD_OPEN_API, null, null, null);
    }

    /**
     * WeChat cloud hosting "微信令牌" from the platform's default file
     * ({@code /.tencentcloudbase/wx/cloudbase_access_token}).
     *
     * @return the source
     */
    public static TokenSource cloudbaseFile() {
        return new TokenSource(WeChatNative.TOKEN_CLOUDBASE_FILE, null, null, null);
    }

    /**
     * WeChat cloud hosting "微信令牌" read from {@code file} for every call, sent as the
     * {@code cloudbase_access_token} query parameter.
     *
     * @param file the token file
     * @return the source
     */
    public static TokenSource cloudbaseFile(Path file) {
        Objects.requireNonNull(file, "file must not be null");
        return new TokenSource(WeChatNative.TOKEN_CLOUDBASE_FILE, null, file, null);
    }

    @Override
    public String toString() {
        switch (kind) {
            case WeChatNative.TOKEN_STABLE: return "TokenSource[stable_token]";
            case WeChatNative.TOKEN_CLASSIC: return "TokenSource[classic token]";
            case WeChatNative.TOKEN_FIXED: return "TokenSource[fixed, redacted]";
            case WeChatNative.TOKEN_CALLBACK: return "TokenSource[supplier]";
            case WeChatNative.TOKEN_CLOUD_OPEN_API: return "TokenSource[cloud open API]";
            default: return "TokenSource[cloudbase file" + (file == null ? "" : " " + file) + "]";
        }
    }
}
