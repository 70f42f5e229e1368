package io.soterverify;

import com.sun.jna.CallbackReference;
import com.sun.jna.Memory;
import io.soterverify.ffi.SoterVerifyInfo;
import com.sun.jna.Pointer;
import io.soterverify.ffi.SoterClientOptions;
import io.soterverify.ffi.SoterClientStats;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A WeChat server API client for one app: access tokens, SOTER {@code verify_signature} and face
 * verification ({@code getinfo}, {@code getverifyid}, {@code queryverifyinfo}).
 *
 * <p>Thread-safe: build one per app and share it between all threads (it holds the connection
 * pool and the token cache; any number of threads on a cold cache cause one token request). On a
 * token error (40001, 40014, 42001) it refreshes the token once and retries the call once (at most
 * one such forced refresh per 30 s: another rejection within 30 s throws {@link TokenException}
 * without fetching); on errcode -1, HTTP 5xx and connection failures it retries with bounded
 * exponential backoff. After a failed token fetch, calls fail at once for a hold (1 s, doubling,
 * up to {@link Builder#tokenRetryMax(java.time.Duration)}, 30 s by default).
 *
 * <p>It holds native resources: close it when the application stops (a forgotten client is freed
 * by a {@link Cleaner}). {@link #close()} is idempotent and never frees the client under a call in
 * flight on another thread; calls after close throw {@link IllegalStateException}.
 *
 * <pre>{@code
 * try (WeChatClient wechat = WeChatClient.builder(appId, appSecret).build()) {
 *     boolean ok = wechat.soterVerifySignature(openid, resultJson, resultJsonSignature);
 * }
 * }</pre>
 *
 * <p>The app secret and access tokens never appear in exception messages or {@link #toString()}.
 */
public final class WeChatClient implements AutoCloseable {
    private final NativeHandle handle;
    private final Cleaner.Cleanable cleanable;
    private final SupplierCallback callback;
    private final String appId;
    private final String source;
    private final Observers observers = new Observers();

    private WeChatClient(long ptr, SupplierCallback callback, String appId, String source) {
        // The free action holds the callback: JNA's trampoline stays alive until the native client is freed.
        this.handle = new NativeHandle(ptr, p -> {
            SoterFfi.soter_wechat_client_free(p);
            Reference.reachabilityFence(callback);
        }, "WeChatClient");
        this.cleanable = NativeHandle.CLEANER.register(this, handle);
        this.callback = callback;
        this.appId = appId;
        this.source = source;
    }

    /** Idle connections per host a client keeps unless {@link Builder#maxIdleConnections} says otherwise. */
    public static final int DEFAULT_MAX_IDLE_CONNECTIONS = 64;

    /** The largest {@link Builder#maxIdleConnections} the library accepts. */
    public static final int MAX_IDLE_CONNECTIONS = 4096;

    /**
     * Starts configuring a client.
     *
     * @param appId the app's appid
     * @param secret the app secret ("" for the fixed, supplier and cloud token sources)
     * @return a builder
     */
    public static Builder builder(String appId, String secret) {
        return new Builder(appId, secret);
    }

    /**
     * SOTER {@code verify_signature}: asks WeChat whether {@code jsonSignature} signs exactly
     * {@code jsonString} for the user {@code openid} (for mini-programs, which get no device key).
     *
     * @param openid the user's openid
     * @param jsonString {@code resultJSON} exactly as received
     * @param jsonSignature {@code resultJSONSignature}
     * @return true only when WeChat said errcode 0 and is_ok true; false for errcode 0 with is_ok
     *     false (a failed verification, not an error)
     * @throws WeChatApiException for any other errcode (errcode and errmsg kept)
     * @throws TokenException when no access token could be obtained
     * @throws NetworkException on network failure
     * @throws TimeoutException when a timeout expired
     * @throws MalformedResponseException when WeChat's answer was not the documented JSON
     * @throws SoterException for other failures
     * @throws IllegalStateException when the client is closed
     */
    public boolean soterVerifySignature(String openid, String jsonString, String jsonSignature) {
        Objects.requireNonNull(jsonString, "jsonString must not be null");
        return soterVerifySignature(openid, Utf8.encode(jsonString, "jsonString"), jsonSignature);
    }

    /**
     * As {@link #soterVerifySignature(String, String, String)} with {@code resultJSON} as its exact bytes.
     *
     * @param openid the user's openid
     * @param jsonString {@code resultJSON} exactly as received
     * @param jsonSignature {@code resultJSONSignature}
     * @return true only when WeChat said errcode 0 and is_ok true
     * @throws SoterException as for {@link #soterVerifySignature(String, String, String)}
     */
    public boolean soterVerifySignature(String openid, byte[] jsonString, String jsonSignature) {
        byte[] o = utf8(openid, "openid");
        Objects.requireNonNull(jsonString, "jsonString must not be null");
        byte[] s = utf8(jsonSignature, "jsonSignature");
        byte[] ok = new byte[1];
        call("soter/verify_signature", (c, err) -> SoterFfi.soter_wechat_soter_verify_signature(c, o, o.length, jsonString,
                jsonString.length, s, s.length, ok, err));
        return ok[0] != 0;
    }

    /**
     * Native-app SOTER {@code verify_ask}: WeChat checks a classic ASK, the ASK export JSON a device
     * uploaded and its ATTK signature, exactly as received (still base64). The JSON is parsed and
     * its {@code pub_key} loaded first, so a broken upload fails without a request.
     *
     * @param askJson the ASK export JSON as received
     * @param askJsonSignature its ATTK signature (base64) as received
     * @return the ASK (store it by device; pass it to {@link Soter#verifyAuthKey(Ask, byte[], byte[])});
     *     close it when done
     * @throws SignatureInvalidException when WeChat says the signature does not verify ({@code is_verified: false})
     * @throws InvalidJsonException when the upload is not an ASK export
     * @throws WeChatApiException for another errcode
     * @throws SoterException as for {@link #soterVerifySignature(String, String, String)}
     */
    public Ask soterVerifyAsk(String askJson, String askJsonSignature) {
        byte[] j = utf8(askJson, "askJson");
        byte[] s = utf8(askJsonSignature, "askJsonSignature");
        AskNative.load();
        long[] out = new long[1];
        call("soter/verify_ask", (c, err) -> SoterFfi.soter_wechat_soter_verify_ask(c, j, j.length, s, s.length, out, err));
        return new Ask(out[0]);
    }

    /**
     * Native-app SOTER {@code is_support}: whether the phone model {@code modelKey} supports SOTER.
     *
     * @param modelKey the model key from the SOTER SDK
     * @return is_support and support_type (0 none, 1 fingerprint, 2 face, 3 both)
     * @throws SoterException as for {@link #soterVerifySignature(String, String, String)}
     */
    public SoterSupport soterIsSupport(String modelKey) {
        byte[] m = utf8(modelKey, "modelKey");
        AskNative.load();
        byte[] supported = new byte[1];
        int[] type = new int[1];
        call("soter/is_support", (c, err) -> SoterFfi.soter_wechat_soter_is_support(c, m, m.length, supported, type, err));
        return new SoterSupport(supported[0] != 0, type[0]);
    }

    /**
     * Legacy face verification ({@code /cityservice/face/identify/getinfo}): the result behind a
     * {@code verify_result} ticket. Check {@link FaceInfo#passed()} and
     * {@link FaceInfo#matchesPerson(String, String)}.
     *
     * @param verifyResult the ticket from {@code wx.startFacialRecognitionVerify}
     * @return the result
     * @throws WeChatApiException for errcodes (84001 invalid ticket, 84002 expired, 84003 used)
     * @throws SoterException as for {@link #soterVerifySignature(String, String, String)}
     */
    public FaceInfo faceGetInfo(String verifyResult) {
        byte[] v = utf8(verifyResult, "verifyResult");
        long[] out = new long[1];
        call("face/getinfo", (c, err) -> SoterFfi.soter_wechat_face_get_info(c, v, v.length, out, err));
        return new FaceInfo(out[0]);
    }

    /**
     * Starts a face verification session ({@code getverifyid}) for a document.
     *
     * @param outSeqNo your unique sequence number for this session
     * @param cert the document to verify against
     * @param openid the user's openid
     * @return the session's {@code verify_id} and lifetime
     * @throws WeChatApiException for errcodes
     * @throws SoterException as for {@link #soterVerifySignature(String, String, String)}
     */
    public VerifyId faceGetVerifyId(String outSeqNo, CertInfo cert, String openid) {
        byte[] seq = utf8(outSeqNo, "outSeqNo");
        Objects.requireNonNull(cert, "cert must not be null");
        byte[] o = utf8(openid, "openid");
        Memory certStruct = cert.struct();
        long[] id = new long[1];
        long[] expires = new long[1];
        try {
            call("face/getverifyid", (c, err) -> SoterFfi.soter_wechat_face_get_verify_id(c, seq, seq.length, certStruct, o,
                    o.length, id, expires, err));
        } finally {
            Reference.reachabilityFence(certStruct);
        }
        try {
            return new VerifyId(NativeLib.cString(id[0]), expires[0]);
        } finally {
            SoterFfi.soter_string_free(id[0]);
        }
    }

    /**
     * The result of a face verification session ({@code queryverifyinfo}); the library computes
     * {@code cert_hash} from {@code cert}, the document given to {@link #faceGetVerifyId}.
     *
     * @param verifyId the session's {@code verify_id}
     * @param outSeqNo the sequence number given to {@link #faceGetVerifyId}
     * @param cert the document given to {@link #faceGetVerifyId}
     * @param openid the user's openid
     * @return the result; grant access only when {@link VerifyInfo#passed()}
     * @throws WeChatApiException for errcodes (e.g. a document that does not match the session)
     * @throws SoterException as for {@link #soterVerifySignature(String, String, String)}
     */
    public VerifyInfo faceQueryVerifyInfo(String verifyId, String outSeqNo, CertInfo cert, String openid) {
        byte[] id = utf8(verifyId, "verifyId");
        byte[] seq = utf8(outSeqNo, "outSeqNo");
        Objects.requireNonNull(cert, "cert must not be null");
        byte[] o = utf8(openid, "openid");
        Memory certStruct = cert.struct();
        Memory out = new Memory(SoterVerifyInfo.SIZE);
        out.clear();
        try {
            call("face/queryverifyinfo", (c, err) -> SoterFfi.soter_wechat_face_query_verify_info(c, id, id.length, seq, seq.length,
                    certStruct, o, o.length, out, err));
            return new VerifyInfo(out.getLong(SoterVerifyInfo.OFF_VERIFY_RET),
                    VerifyOutcome.of(out.getInt(SoterVerifyInfo.OFF_OUTCOME)), out.getByte(SoterVerifyInfo.OFF_PASSED) != 0);
        } finally {
            Reference.reachabilityFence(certStruct);
            Reference.reachabilityFence(out);
        }
    }

    /**
     * As {@link #faceQueryVerifyInfo(String, String, CertInfo, String)} with the session from
     * {@link #faceGetVerifyId}.
     *
     * @param session the session
     * @param outSeqNo the sequence number given to {@link #faceGetVerifyId}
     * @param cert the document given to {@link #faceGetVerifyId}
     * @param openid the user's openid
     * @return the result
     * @throws SoterException as for {@link #faceQueryVerifyInfo(String, String, CertInfo, String)}
     */
    public VerifyInfo faceQueryVerifyInfo(VerifyId session, String outSeqNo, CertInfo cert, String openid) {
        Objects.requireNonNull(session, "session must not be null");
        return faceQueryVerifyInfo(session.verifyId(), outSeqNo, cert, openid);
    }

    // ---- CompletableFuture variants ----------------------------------------------------------
    // Each runs its blocking twin on an executor (default: the library's bounded pool, shared with
    // ReplayGuard's) and completes with its result or, exceptionally, with the exception the
    // blocking call documents (unwrapped), argument errors included: the caller never waits.

    /**
     * {@link #soterVerifySignature(String, String, String)} on the library's pool: 64 daemon
     * threads, shared by every guard and client, more calls queue (not virtual threads: a native
     * call pins its carrier). The caller's thread never waits.
     *
     * @param openid the user's openid
     * @param jsonString {@code resultJSON} exactly as received
     * @param jsonSignature {@code resultJSONSignature}
     * @return WeChat's is_ok; exceptionally {@link WeChatApiException}, {@link TokenException},
     *     {@link NetworkException}, {@link TimeoutException}, ... as for the blocking call
     */
    public CompletableFuture<Boolean> soterVerifySignatureAsync(String openid, String jsonString, String jsonSignature) {
        return soterVerifySignatureAsync(openid, jsonString, jsonSignature, Async.defaultExecutor());
    }

    /**
     * {@link #soterVerifySignature(String, String, String)} on {@code executor}.
     *
     * @param openid the user's openid
     * @param jsonString {@code resultJSON} exactly as received
     * @param jsonSignature {@code resultJSONSignature}
     * @param executor where the blocking call runs
     * @return WeChat's is_ok; exceptionally as for the blocking call
     */
    public CompletableFuture<Boolean> soterVerifySignatureAsync(String openid, String jsonString, String jsonSignature,
            Executor executor) {
        return Async.supply(() -> soterVerifySignature(openid, jsonString, jsonSignature), executor);
    }

    /**
     * {@link #soterVerifyAsk(String, String)} on the library's pool.
     *
     * @param askJson the ASK export JSON as received
     * @param askJsonSignature its ATTK signature (base64) as received
     * @return the ASK (close it when done); exceptionally as for the blocking call
     */
    public CompletableFuture<Ask> soterVerifyAskAsync(String askJson, String askJsonSignature) {
        return soterVerifyAskAsync(askJson, askJsonSignature, Async.defaultExecutor());
    }

    /**
     * {@link #soterVerifyAsk(String, String)} on {@code executor}.
     *
     * @param askJson the ASK export JSON as received
     * @param askJsonSignature its ATTK signature (base64) as received
     * @param executor where the blocking call runs
     * @return the ASK (close it when done); exceptionally as for the blocking call
     */
    public CompletableFuture<Ask> soterVerifyAskAsync(String askJson, String askJsonSignature, Executor executor) {
        return Async.supply(() -> soterVerifyAsk(askJson, askJsonSignature), executor);
    }

    /**
     * {@link #faceGetInfo(String)} on the library's pool.
     *
     * @param verifyResult the ticket from {@code wx.startFacialRecognitionVerify}
     * @return the result; exceptionally as for the blocking call
     */
    public CompletableFuture<FaceInfo> faceGetInfoAsync(String verifyResult) {
        return faceGetInfoAsync(verifyResult, Async.defaultExecutor());
    }

    /**
     * {@link #faceGetInfo(String)} on {@code executor}.
     *
     * @param verifyResult the ticket from {@code wx.startFacialRecognitionVerify}
     * @param executor where the blocking call runs
     * @return the result; exceptionally as for the blocking call
     */
    public CompletableFuture<FaceInfo> faceGetInfoAsync(String verifyResult, Executor executor) {
        return Async.supply(() -> faceGetInfo(verifyResult), executor);
    }

    /**
     * {@link #faceGetVerifyId(String, CertInfo, String)} on the library's pool.
     *
     * @param outSeqNo your unique sequence number for this session
     * @param cert the document to verify against
     * @param openid the user's openid
     * @return the session; exceptionally as for the blocking call
     */
    public CompletableFuture<VerifyId> faceGetVerifyIdAsync(String outSeqNo, CertInfo cert, String openid) {
        return faceGetVerifyIdAsync(outSeqNo, cert, openid, Async.defaultExecutor());
    }

    /**
     * {@link #faceGetVerifyId(String, CertInfo, String)} on {@code executor}.
     *
     * @param outSeqNo your unique sequence number for this session
     * @param cert the document to verify against
     * @param openid the user's openid
     * @param executor where the blocking call runs
     * @return the session; exceptionally as for the blocking call
     */
    public CompletableFuture<VerifyId> faceGetVerifyIdAsync(String outSeqNo, CertInfo cert, String openid,
            Executor executor) {
        return Async.supply(() -> faceGetVerifyId(outSeqNo, cert, openid), executor);
    }

    /**
     * {@link #faceQueryVerifyInfo(VerifyId, String, CertInfo, String)} on the library's pool.
     *
     * @param session the session from {@link #faceGetVerifyId}
     * @param outSeqNo the sequence number given to {@link #faceGetVerifyId}
     * @param cert the document given to {@link #faceGetVerifyId}
     * @param openid the user's openid
     * @return the result; exceptionally as for the blocking call
     */
    public CompletableFuture<VerifyInfo> faceQueryVerifyInfoAsync(VerifyId session, String outSeqNo, CertInfo cert,
            String openid) {
        return faceQueryVerifyInfoAsync(session, outSeqNo, cert, openid, Async.defaultExecutor());
    }

    /**
     * {@link #faceQueryVerifyInfo(VerifyId, String, CertInfo, String)} on {@code executor}.
     *
     * @param session the session from {@link #faceGetVerifyId}
     * @param outSeqNo the sequence number given to {@link #faceGetVerifyId}
     * @param cert the document given to {@link #faceGetVerifyId}
     * @param openid the user's openid
     * @param executor where the blocking call runs
     * @return the result; exceptionally as for the blocking call
     */
    public CompletableFuture<VerifyInfo> faceQueryVerifyInfoAsync(VerifyId session, String outSeqNo, CertInfo cert,
            String openid, Executor executor) {
        return Async.supply(() -> faceQueryVerifyInfo(session, outSeqNo, cert, openid), executor);
    }

    /**
     * {@link #faceQueryVerifyInfo(String, String, CertInfo, String)} on the library's pool.
     *
     * @param verifyId the session's {@code verify_id}
     * @param outSeqNo the sequence number given to {@link #faceGetVerifyId}
     * @param cert the document given to {@link #faceGetVerifyId}
     * @param openid the user's openid
     * @return the result; exceptionally as for the blocking call
     */
    public CompletableFuture<VerifyInfo> faceQueryVerifyInfoAsync(String verifyId, String outSeqNo, CertInfo cert,
            String openid) {
        return faceQueryVerifyInfoAsync(verifyId, outSeqNo, cert, openid, Async.defaultExecutor());
    }

    /**
     * {@link #faceQueryVerifyInfo(String, String, CertInfo, String)} on {@code executor}.
     *
     * @param verifyId the session's {@code verify_id}
     * @param outSeqNo the sequence number given to {@link #faceGetVerifyId}
     * @param cert the document given to {@link #faceGetVerifyId}
     * @param openid the user's openid
     * @param executor where the blocking call runs
     * @return the result; exceptionally as for the blocking call
     */
    public CompletableFuture<VerifyInfo> faceQueryVerifyInfoAsync(String verifyId, String outSeqNo, CertInfo cert,
            String openid, Executor executor) {
        return Async.supply(() -> faceQueryVerifyInfo(verifyId, outSeqNo, cert, openid), executor);
    }

    /**
     * Replaces the token of a client built with {@link TokenSource#fixed(String)}.
     *
     * @param token the new access token
     * @throws InvalidArgumentException when the client uses another token source
     * @throws SoterException for other failures
     * @throws IllegalStateException when the client is closed
     */
    public void setFixedToken(String token) {
        byte[] t = utf8(token, "token");
        call(null, (c, err) -> SoterFfi.soter_wechat_client_set_fixed_token(c, t, t.length, err));
    }

    /**
     * Drops the cached access token; the next call fetches one.
     *
     * @throws IllegalStateException when the client is closed
     */
    public void clearToken() {
        handle.run(this, SoterFfi::soter_wechat_client_clear_token);
    }

    /**
     * The client's counters.
     *
     * @return a snapshot
     * @throws IllegalStateException when the client is closed
     */
    public ClientStats stats() {
        Memory out = new Memory(SoterClientStats.SIZE);
        long[] err = new long[1];
        Errors.checkInternal(handle.call(this, c -> SoterFfi.soter_wechat_client_stats(c, out, err)), err);
        return new ClientStats(out.getLong(SoterClientStats.OFF_HTTP_REQUESTS), out.getLong(SoterClientStats.OFF_RETRIES),
                out.getLong(SoterClientStats.OFF_TOKEN_FETCHES), out.getLong(SoterClientStats.OFF_TOKEN_RETRIES));
    }

    /**
     * Adds an observer told about every WeChat API call this client completes, by endpoint (for
     * metrics; the Spring Boot starter adds one). The {@code verify_signature} call inside
     * {@link ReplayGuard#authenticateViaWeChat} is the guard's call: it reaches the guard's
     * observers, and this client's {@link #stats()}. Observers cannot be removed.
     *
     * @param observer the observer
     */
    public void addCallObserver(CallObserver observer) {
        observers.add(observer);
    }

    /**
     * The appid this client calls WeChat for.
     *
     * @return the appid
     */
    public String appId() {
        return appId;
    }

    /**
     * Whether {@link #close()} was called.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return handle.isClosed();
    }

    /** Frees the native client (after calls in flight finish). Idempotent. */
    @Override
    public void close() {
        cleanable.clean();
    }

    @Override
    public String toString() {
        return "WeChatClient[appId=" + appId + ", " + source + (handle.isClosed() ? ", closed" : "") + "]";
    }

    /** The native handle, for {@link ReplayGuard#authenticateViaWeChat}. */
    NativeHandle handle() {
        return handle;
    }

    /** A token supplier's exception from the last call, to attach as the cause of a TokenException. */
    Throwable takeCallbackFailure() {
        return callback == null ? null : callback.takeFailure();
    }

    private interface Call {
        int run(long client, long[] err);
    }

    /** One native call; {@code endpoint} names it to the observers (null: not a WeChat call). */
    private void call(String endpoint, Call body) {
        if (endpoint == null) {
            call0(body);
        } else {
            observers.call(endpoint, () -> {
                call0(body);
                return null;
            });
        }
    }

    private void call0(Call body) {
        long[] err = new long[1];
        int status = handle.call(this, c -> body.run(c, err));
        Throwable cause = callback == null ? null : callback.takeFailure();
        if (status != 0) {
            SoterException e = Errors.take(status, err[0]);
            if (cause != null && e instanceof TokenException) {
                e.initCause(cause);
            }
            throw e;
        }
        Errors.check(status, err);
    }

    private static byte[] utf8(String s, String what) {
        return Utf8.encode(s, what);
    }

    /**
     * Settings of a {@link WeChatClient}. Unset settings take the library's defaults (base URL
     * https://api.weixin.qq.com, an overall deadline of 15 s per call, 5 s per attempt and per connect, 3 attempts with
     * backoff from 200 ms to 5 s, responses up to 1 MiB, token refresh 5 minutes before expiry,
     * stable_token). Not thread-safe; {@link #toString()} shows no secret.
     */
    public static final class Builder {
        private final String appId;
        private final String secret;
        private String baseUrl;
        private boolean allowInsecureHttp;
        private int connectTimeoutMs;
        private int timeoutMs;
        private int attemptTimeoutMs;
        private String proxy;
        private ApiSecurity apiSecurity;
        private int maxAttempts;
        private int backoffBaseMs;
        private int backoffMaxMs;
        private long maxResponseSize;
        private int refreshMarginS;
        private int tokenRetryMaxMs;
        private int maxIdleConnections;
        private TokenSource tokenSource = TokenSource.stable();

        private Builder(String appId, String secret) {
            this.appId = Objects.requireNonNull(appId, "appId must not be null");
            this.secret = Objects.requireNonNull(secret, "secret must not be null");
        }

        /**
         * The API base URL ({@code scheme://host[:port]}), e.g. a {@code WeChatEmulator}'s. Plain
         * http is refused unless the host is a loopback address or {@link #allowInsecureHttp}.
         *
         * @param baseUrl the URL
         * @return this builder
         */
        public Builder baseUrl(String baseUrl) {
            this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl must not be null");
            return this;
        }

        /**
         * Allows plain http to a non-loopback base URL (a trusted internal gateway only: the
         * access token travels in the query string).
         *
         * @param allow true to allow
         * @return this builder
         */
        public Builder allowInsecureHttp(boolean allow) {
            this.allowInsecureHttp = allow;
            return this;
        }

        /**
         * The overall deadline of one call (default 15 s): every attempt, every retry backoff and
         * the access-token fetch the call needs end within it. An expiry gives
         * {@link TimeoutException}, whose message names the limit that expired.
         *
         * @param timeout 1 ms to 1 hour
         * @return this builder
         * @throws IllegalArgumentException outside that range
         */
        public Builder timeout(Duration timeout) {
            this.timeoutMs = millis(timeout, "timeout");
            return this;
        }

        /**
         * The longest one HTTP attempt may take, connect to last byte (default 5 s); an attempt
         * that times out is retried while the overall {@link #timeout(Duration) deadline} allows.
         *
         * @param timeout 1 ms to 1 hour
         * @return this builder
         * @throws IllegalArgumentException outside that range
         */
        public Builder attemptTimeout(Duration timeout) {
            this.attemptTimeoutMs = millis(timeout, "attemptTimeout");
            return this;
        }

        /**
         * The longest wait for a connection (default 5 s); retried like a timed-out attempt.
         *
         * @param timeout 1 ms to 1 hour
         * @return this builder
         * @throws IllegalArgumentException outside that range
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeoutMs = millis(timeout, "connectTimeout");
            return this;
        }

        /**
         * An HTTP(S) proxy URL, e.g. {@code http://proxy.internal:3128} (treated as a secret: it
         * may carry credentials). With a plain http base URL the proxy must be on loopback unless
         * {@link #allowInsecureHttp(boolean)} is set: the request would cross the network in clear
         * text ({@link ConfigException} at {@link #build()}).
         *
         * @param proxyUrl the proxy URL
         * @return this builder
         */
        public Builder proxy(String proxyUrl) {
            this.proxy = Objects.requireNonNull(proxyUrl, "proxy must not be null");
            return this;
        }

        /**
         * Attempts per call for errcode -1, HTTP 5xx and connection failures (default 3).
         *
         * @param attempts 1 to 10 (1 = no retry)
         * @return this builder
         */
        public Builder maxAttempts(int attempts) {
            if (attempts < 1 || attempts > 10) {
                throw new IllegalArgumentException("maxAttempts must be 1 to 10, not " + attempts);
            }
            this.maxAttempts = attempts;
            return this;
        }

        /**
         * The retry backoff: the first delay, doubled per retry with jitter, capped at {@code max}
         * (defaults 200 ms and 5 s).
         *
         * @param base the first delay, at least 1 ms
         * @param max the cap on one delay, at least 1 ms
         * @return this builder
         */
        public Builder backoff(Duration base, Duration max) {
            this.backoffBaseMs = millis(base, "backoff base");
            this.backoffMaxMs = millis(max, "backoff max");
            return this;
        }

        /**
         * The largest response body accepted (default 1 MiB); larger answers give
         * {@link MalformedResponseException}.
         *
         * @param bytes at least 1
         * @return this builder
         */
        public Builder maxResponseSize(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxResponseSize must be positive");
            }
            this.maxResponseSize = bytes;
            return this;
        }

        /**
         * Refresh a cached token when less than this remains of its validity (default 5 minutes).
         *
         * @param margin at least 1 s
         * @return this builder
         */
        public Builder refreshMargin(Duration margin) {
            Objects.requireNonNull(margin, "refreshMargin must not be null");
            long s = margin.getSeconds();
            if (s < 1 || s > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("refreshMargin must be 1 s to 2^32-1 s");
            }
            this.refreshMarginS = (int) s;
            return this;
        }

        /**
         * The ceiling of the token-failure hold (default 30 s). After a token fetch from WeChat
         * (stable_token, /cgi-bin/token) fails, calls that need a token fail at once, without
         * fetching, for 1 s, doubled per consecutive failure up to this ceiling; the first
         * successful fetch ends the hold. The exception keeps the failed fetch's class and
         * errcode, and its message says so: "no access token: holding for 4 s after the fetch at
         * 07:31:02 UTC failed: ...".
         *
         * @param max 1 ms to 1 hour
         * @return this builder
         * @throws IllegalArgumentException outside that range
         */
        public Builder tokenRetryMax(Duration max) {
            this.tokenRetryMaxMs = millis(max, "tokenRetryMax");
            return this;
        }

        /**
         * Idle connections kept open per host for reuse (default {@value WeChatClient#DEFAULT_MAX_IDLE_CONNECTIONS}).
         * A thread-heavy server calling WeChat from many threads at once opens a connection per
         * concurrent call; those above this bound are closed when their call ends, and the next
         * burst opens them again. Raise it to about your peak concurrent WeChat calls.
         *
         * @param max 1 to {@value WeChatClient#MAX_IDLE_CONNECTIONS}
         * @return this builder
         * @throws IllegalArgumentException outside that range
         */
        public Builder maxIdleConnections(int max) {
            if (max < 1 || max > MAX_IDLE_CONNECTIONS) {
                throw new IllegalArgumentException("maxIdleConnections must be 1 to " + MAX_IDLE_CONNECTIONS + ", not "
                        + max);
            }
            this.maxIdleConnections = max;
            return this;
        }

        /**
         * Where access tokens come from (default {@link TokenSource#stable()}).
         *
         * @param source the source
         * @return this builder
         */
        public Builder tokenSource(TokenSource source) {
            this.tokenSource = Objects.requireNonNull(source, "tokenSource must not be null");
            return this;
        }

        /**
         * Tokens from your own service (a Java lambda); see {@link TokenSupplier}.
         *
         * @param supplier the supplier, kept for the client's lifetime
         * @return this builder
         */
        public Builder tokenSource(TokenSupplier supplier) {
            return tokenSource(TokenSource.supplier(supplier));
        }

        /**
         * WeChat's API security mode ("API 安全" in the console): calls to the paths
         * {@code sec} seals are signed and encrypted, and their answers verified and decrypted.
         * The client keeps its own copy; {@code sec} may be closed after {@link #build()}.
         *
         * @param sec the app's setting (its appId must be the client's, else {@link ConfigException})
         * @return this builder
         */
        public Builder apiSecurity(ApiSecurity sec) {
            this.apiSecurity = Objects.requireNonNull(sec, "sec");
            return this;
        }

        /**
         * Creates the client. Settings are checked here, before any connection; no network
         * traffic happens until the first call.
         *
         * @return the client; close it when the application stops
         * @throws ConfigException for plain http to a remote host or through a remote proxy, a bad URL
         *     or proxy, bad retry settings
         * @throws InvalidArgumentException for missing token source settings
         * @throws SoterException for other failures
         */
        public WeChatClient build() {
            WeChatNative.load();
            byte[] base = bytes(baseUrl);
            byte[] prox = bytes(proxy);
            byte[] fixed = bytes(tokenSource.fixedToken);
            byte[] file = tokenSource.file == null ? null : bytes(tokenSource.file.toString());
            SupplierCallback cb = tokenSource.supplier == null ? null : new SupplierCallback(tokenSource.supplier);
            // SoterClientOptions (JNA's layout of the header's struct); its strings follow it.
            Memory m = new Memory(OPTIONS_SIZE + len(base) + len(prox) + len(fixed) + len(file) + 1);
            m.clear();
            long at = OPTIONS_SIZE;
            at = text(m, SoterClientOptions.OFF_BASE_URL, SoterClientOptions.OFF_BASE_URL_LEN, base, at);
            m.setByte(SoterClientOptions.OFF_ALLOW_INSECURE_HTTP, (byte) (allowInsecureHttp ? 1 : 0));
            m.setInt(SoterClientOptions.OFF_CONNECT_TIMEOUT_MS, connectTimeoutMs);
            m.setInt(SoterClientOptions.OFF_TIMEOUT_MS, timeoutMs);
            m.setInt(SoterClientOptions.OFF_ATTEMPT_TIMEOUT_MS, attemptTimeoutMs);
            at = text(m, SoterClientOptions.OFF_PROXY, SoterClientOptions.OFF_PROXY_LEN, prox, at);
            m.setInt(SoterClientOptions.OFF_MAX_ATTEMPTS, maxAttempts);
            m.setInt(SoterClientOptions.OFF_BACKOFF_BASE_MS, backoffBaseMs);
            m.setInt(SoterClientOptions.OFF_BACKOFF_MAX_MS, backoffMaxMs);
            m.setLong(SoterClientOptions.OFF_MAX_RESPONSE_SIZE, maxResponseSize);
            m.setInt(SoterClientOptions.OFF_REFRESH_MARGIN_S, refreshMarginS);
            m.setInt(SoterClientOptions.OFF_TOKEN_SOURCE, tokenSource.kind);
            at = text(m, SoterClientOptions.OFF_FIXED_TOKEN, SoterClientOptions.OFF_FIXED_TOKEN_LEN, fixed, at);
            text(m, SoterClientOptions.OFF_TOKEN_FILE, SoterClientOptions.OFF_TOKEN_FILE_LEN, file, at);
            if (cb != null) {
                m.setPointer(SoterClientOptions.OFF_TOKEN_CALLBACK, CallbackReference.getFunctionPointer(cb));
            }
            m.setInt(SoterClientOptions.OFF_TOKEN_RETRY_MAX_MS, tokenRetryMaxMs);
            m.setInt(SoterClientOptions.OFF_MAX_IDLE_CONNECTIONS, maxIdleConnections);   // 0 = the default
            byte[] a = Utf8.encode(appId, "appId");
            byte[] s = Utf8.encode(secret, "secret");
            long[] out = new long[1];
            long[] err = new long[1];
            try {
                int status;
                if (apiSecurity == null) {
                    status = SoterFfi.soter_wechat_client_new(a, a.length, s, s.length, m, out, err);
                } else {
                    // const SoterApiSecurity *api_security: copied by the client, held for this call only.
                    status = apiSecurity.withPointer(p -> {
                        m.setPointer(SoterClientOptions.OFF_API_SECURITY, new Pointer(p));
                        return SoterFfi.soter_wechat_client_new(a, a.length, s, s.length, m, out, err);
                    });
                }
                Errors.check(status, err);
            } finally {
                Reference.reachabilityFence(m);
                Reference.reachabilityFence(cb);
            }
            return new WeChatClient(out[0], cb, appId, tokenSource.toString());
        }

        private static final long OPTIONS_SIZE = SoterClientOptions.SIZE;

        private static byte[] bytes(String s) {
            return Utf8.encodeOrNull(s, "a client option");
        }

        private static int len(byte[] b) {
            return b == null ? 0 : b.length;
        }

        /** Writes {@code b} at {@code at} and its pointer and length at those offsets; null stays NULL. */
        private static long text(Memory m, long field, long lenField, byte[] b, long at) {
            if (b == null) {
                return at;
            }
            m.write(at, b, 0, b.length);
            m.setPointer(field, m.share(at));
            m.setLong(lenField, b.length);
            return at + b.length;
        }

        /** The library's bound on each timeout: a call allowed to take longer is a mistake. */
        private static final long MAX_TIMEOUT_MS = 3_600_000L;

        private static int millis(Duration d, String what) {
            Objects.requireNonNull(d, () -> what + " must not be null");
            long ms;
            try {
                ms = d.toMillis();
            } catch (ArithmeticException e) {
                ms = Long.MAX_VALUE;
            }
            if (ms < 1 || ms > MAX_TIMEOUT_MS) {
                throw new IllegalArgumentException(what + " must be 1 ms to 1 hour, not " + d);
            }
            return (int) ms;
        }

        @Override
        public String toString() {
            return "WeChatClient.Builder[appId=" + appId + ", secret redacted, " + tokenSource
                    + (baseUrl == null ? "" : ", baseUrl=" + baseUrl) + (proxy == null ? "" : ", proxy set") + "]";
        }
    }
}
