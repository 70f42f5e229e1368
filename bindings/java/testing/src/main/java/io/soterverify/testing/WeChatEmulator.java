package io.soterverify.testing;

import com.sun.jna.Memory;
import io.soterverify.testing.ffi.SoterEmulatorCounters;
import io.soterverify.testing.ffi.SoterEmulatorOptions;
import io.soterverify.ApiSecurity;
import io.soterverify.Internal;
import io.soterverify.SoterException;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * A WeChat-compatible API server on loopback, in this process, for tests of your backend without
 * WeChat: access tokens ({@code /cgi-bin/token}, {@code /cgi-bin/stable_token}), SOTER
 * {@code verify_signature} (really verified against the device keys you register), face
 * {@code getinfo}, {@code getverifyid} and {@code queryverifyinfo} (against the people you
 * register), plus fault injection and counters. Point a {@code WeChatClient} at {@link #baseUrl()}.
 *
 * <pre>{@code
 * try (WeChatEmulator wechat = WeChatEmulator.start("wx-test-app", "test-secret");
 *      Device phone = Device.create();
 *      WeChatClient client = WeChatClient.builder("wx-test-app", "test-secret")
 *              .baseUrl(wechat.baseUrl()).build()) {
 *     wechat.registerDevice("o_user", phone);
 *     SignedData r = phone.signResult(Soter.newChallenge());
 *     assertTrue(client.soterVerifySignature("o_user", r.json(), r.signature()));
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} stops it and frees it (idempotent).
 */
public final class WeChatEmulator implements AutoCloseable {
    private final Internal.Handle handle;
    private final String baseUrl;
    private final String appId;

    private WeChatEmulator(long ptr, String appId) {
        this.handle = Internal.handle(this, ptr, TestingFfi::soter_emulator_free, "WeChatEmulator");
        this.baseUrl = Internal.cString(TestingFfi.soter_emulator_base_url(ptr));
        this.appId = appId;
    }

    /**
     * Starts an emulator for the app on 127.0.0.1 with a free port and default settings.
     *
     * @param appId the appid it serves
     * @param secret the app secret it accepts for tokens
     * @return the running emulator
     * @throws SoterException when it cannot start
     */
    public static WeChatEmulator start(String appId, String secret) {
        return builder(appId, secret).start();
    }

    /**
     * Starts configuring an emulator.
     *
     * @param appId the appid it serves
     * @param secret the app secret it accepts for tokens
     * @return a builder
     */
    public static Builder builder(String appId, String secret) {
        return new Builder(appId, secret);
    }

    /**
     * The base URL, e.g. {@code http://127.0.0.1:41234}: pass it to
     * {@code WeChatClient.Builder#baseUrl}.
     *
     * @return the URL
     */
    public String baseUrl() {
        return baseUrl;
    }

    /**
     * Registers (or replaces) the device key for {@code openid}: {@code verify_signature} for that
     * user verifies against it.
     *
     * @param openid the user's openid
     * @param publicKey the device's AuthKey public key (PEM, base64 DER or DER text)
     * @throws io.soterverify.InvalidKeyException when the key is unusable
     * @throws SoterException for other failures
     */
    public void registerDevice(String openid, String publicKey) {
        byte[] o = utf8(openid, "openid");
        byte[] k = utf8(publicKey, "publicKey");
        call((e, err) -> TestingFfi.soter_emulator_register_device(e, o, o.length, k, k.length, err));
    }

    /**
     * Registers a test ATTK public key: {@code verify_ask} accepts ASK JSONs it signed and answers
     * others with {@code is_verified: false}.
     *
     * @param publicKey the ATTK public key (PEM)
     * @throws SoterException when the key cannot be loaded
     */
    public void registerAttk(String publicKey) {
        byte[] k = utf8(publicKey, "publicKey");
        call((e, err) -> TestingFfi.soter_emulator_register_attk(e, k, k.length, err));
    }

    /**
     * Registers a phone model for {@code is_support}; unregistered models are not supported.
     *
     * @param modelKey the model key
     * @param supportType 0 none, 1 fingerprint, 2 face, 3 both
     * @throws SoterException for another support type or an empty model key
     */
    public void registerModel(String modelKey, int supportType) {
        byte[] m = utf8(modelKey, "modelKey");
        if (supportType < 0) {
            throw new IllegalArgumentException("supportType must be 0 to 3, not " + supportType);
        }
        call((e, err) -> TestingFfi.soter_emulator_register_model(e, m, m.length, supportType, err));
    }

    /**
     * Registers (or replaces) a simulated device's key for {@code openid}.
     *
     * @param openid the user's openid
     * @param device the device
     * @throws SoterException when the library fails
     */
    public void registerDevice(String openid, Device device) {
        Objects.requireNonNull(device, "device must not be null");
        registerDevice(openid, device.publicKeyPem());
    }

    /**
     * Registers (or replaces) a person for face verification.
     *
     * @param openid the user's openid
     * @param name the person's name
     * @param idNumber the person's ID number
     * @param identifyRet what legacy {@code getinfo} reports (0 = passed)
     * @param verifyRet what {@code queryverifyinfo} reports for a matching document (10000 =
     *     passed; a document that does not match gives 90011)
     * @throws SoterException when the library fails
     */
    public void registerPerson(String openid, String name, String idNumber, long identifyRet, long verifyRet) {
        byte[] o = utf8(openid, "openid");
        byte[] n = utf8(name, "name");
        byte[] id = utf8(idNumber, "idNumber");
        call((e, err) -> TestingFfi.soter_emulator_register_person(e, o, o.length, n, n.length, id, id.length,
                identifyRet, verifyRet, err));
    }

    /**
     * Registers a person who passes both face APIs (identify_ret 0, verify_ret 10000).
     *
     * @param openid the user's openid
     * @param name the person's name
     * @param idNumber the person's ID number
     * @throws SoterException when the library fails
     */
    public void registerPerson(String openid, String name, String idNumber) {
        registerPerson(openid, name, idNumber, 0, 10000);
    }

    /**
     * A legacy {@code verify_result} ticket for a registered person, as
     * {@code wx.startFacialRecognitionVerify} would give the mini-program.
     *
     * @param openid the registered person's openid
     * @return the ticket
     * @throws SoterException when the person is unknown or the library fails
     */
    public String issueVerifyResult(String openid) {
        byte[] o = utf8(openid, "openid");
        long[] out = new long[1];
        call((e, err) -> TestingFfi.soter_emulator_issue_verify_result(e, o, o.length, out, err));
        return Internal.takeString(out[0], strlen(out[0]));
    }

    /**
     * Injects {@code fault} for the next {@code count} API calls, token endpoints included.
     *
     * @param fault the fault ({@link Fault#DELAY}: use {@link #injectDelay})
     * @param count how many calls (negative: every call until {@link #clearFaults()})
     * @throws SoterException when the library fails
     */
    public void injectFault(Fault fault, long count) {
        injectFault(fault, count, Duration.ZERO, null);
    }

    /**
     * Injects {@code fault} for the next {@code count} calls to one endpoint.
     *
     * @param fault the fault
     * @param count how many calls (negative: until {@link #clearFaults()})
     * @param path the endpoint, e.g. {@code /cgi-bin/soter/verify_signature}
     * @throws SoterException when the library fails
     */
    public void injectFault(Fault fault, long count, String path) {
        injectFault(fault, count, Duration.ZERO, Objects.requireNonNull(path, "path must not be null"));
    }

    /**
     * Injects {@code fault} on every call (token endpoints included) until {@link #clearFaults()}.
     *
     * @param fault the fault
     * @throws SoterException when the library fails
     */
    public void injectFaultForever(Fault fault) {
        injectFault(fault, -1);
    }

    /**
     * Delays the answers to the next {@code count} API calls.
     *
     * @param delay how long to wait before answering normally
     * @param count how many calls (negative: until {@link #clearFaults()})
     * @throws SoterException when the library fails
     */
    public void injectDelay(Duration delay, long count) {
        injectFault(Fault.DELAY, count, delay, null);
    }

    /**
     * The general form of the fault injection.
     *
     * @param fault the fault
     * @param count how many calls (negative: until {@link #clearFaults()})
     * @param delay the delay for {@link Fault#DELAY}
     * @param path one endpoint, or null for every API endpoint
     * @throws SoterException when the library fails
     */
    public void injectFault(Fault fault, long count, Duration delay, String path) {
        Objects.requireNonNull(fault, "fault must not be null");
        Objects.requireNonNull(delay, "delay must not be null");
        long ms = delay.toMillis();
        if (ms < 0 || ms > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("delay out of range: " + delay);
        }
        byte[] p = path == null ? null : path.getBytes(StandardCharsets.UTF_8);
        call((e, err) -> TestingFfi.soter_emulator_inject_fault(e, fault.ordinal(), count, (int) ms, p,
                p == null ? 0 : p.length, err));
    }

    /** Removes every pending fault. */
    public void clearFaults() {
        run(TestingFfi::soter_emulator_clear_faults);
    }

    /**
     * Whether a legacy {@code verify_result} ticket may be redeemed more than once from now on
     * (false, the default: a second {@code getinfo} of one ticket is errcode 84001, as in
     * production). For tests written before tickets were single use.
     *
     * @param reusable true to let tickets be redeemed again and again
     */
    public void setReusableTickets(boolean reusable) {
        run(e -> TestingFfi.soter_emulator_set_reusable_tickets(e, (byte) (reusable ? 1 : 0)));
    }

    /**
     * The counters.
     *
     * @return a snapshot
     * @throws IllegalStateException when closed
     */
    public EmulatorCounters counters() {
        Memory m = new Memory(SoterEmulatorCounters.SIZE);
        long[] err = new long[1];
        Internal.checkInternal(handle.call(this, e -> TestingFfi.soter_emulator_counters(e, m, err)), err);
        long[] out = {
            m.getLong(SoterEmulatorCounters.OFF_TOTAL_REQUESTS), m.getLong(SoterEmulatorCounters.OFF_TOKEN_REQUESTS),
            m.getLong(SoterEmulatorCounters.OFF_TOKEN_ISSUES), m.getLong(SoterEmulatorCounters.OFF_VERIFY_SIGNATURE_REQUESTS),
            m.getLong(SoterEmulatorCounters.OFF_CONNECTIONS), m.getLong(SoterEmulatorCounters.OFF_FAULTS_APPLIED),
        };
        return new EmulatorCounters(out);
    }

    /**
     * Requests seen for one path, e.g. {@code /cityservice/face/identify/getinfo}.
     *
     * @param path the path
     * @return the count
     */
    public long requestsTo(String path) {
        byte[] p = utf8(path, "path");
        return handle.callLong(this, e -> TestingFfi.soter_emulator_requests_to(e, p, p.length));
    }

    /** Zeroes every counter. */
    public void resetCounters() {
        run(TestingFfi::soter_emulator_reset_counters);
    }

    /**
     * Accepts {@code token} for {@code lifetime} (for fixed-token, supplier and token-file clients).
     *
     * @param token the token
     * @param lifetime how long it is accepted (whole seconds, at least 1)
     * @throws SoterException when the library fails
     */
    public void addToken(String token, Duration lifetime) {
        byte[] t = utf8(token, "token");
        Objects.requireNonNull(lifetime, "lifetime must not be null");
        long s = lifetime.getSeconds();
        if (s < 1 || s > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("lifetime must be 1 s to 2^32-1 s");
        }
        call((e, err) -> TestingFfi.soter_emulator_add_token(e, t, t.length, (int) s, err));
    }

    /** Expires every issued token now (calls then get 42001). */
    public void expireTokens() {
        run(TestingFfi::soter_emulator_expire_tokens);
    }

    /** Stops serving (idempotent); counters stay readable until {@link #close()}. */
    public void stop() {
        if (!handle.isClosed()) {
            try {
                run(TestingFfi::soter_emulator_stop);
            } catch (IllegalStateException closedMeanwhile) {
                // stopped by close
            }
        }
    }

    /** Stops and frees the emulator. Idempotent. */
    @Override
    public void close() {
        handle.close();
    }

    @Override
    public String toString() {
        return "WeChatEmulator[appId=" + appId + ", " + baseUrl + (handle.isClosed() ? ", closed" : "") + "]";
    }

    private interface Call {
        int run(long emu, long[] err);
    }

    private void call(Call body) {
        long[] err = new long[1];
        Internal.check(handle.call(this, e -> body.run(e, err)), err);
    }

    private void run(LongConsumer body) {
        handle.run(this, body);
    }

    private static long strlen(long p) {
        return p == 0 ? 0 : new com.sun.jna.Pointer(p).indexOf(0, (byte) 0);
    }

    private static byte[] utf8(String s, String what) {
        Objects.requireNonNull(s, () -> what + " must not be null");
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The {@link ApiSecurity} matching this emulator, started with
     * {@link Builder#apiSecurity(boolean)}: its keys, numbers and platform certificate. A new
     * object on each call; close it when done (clients made with it keep their own copy).
     *
     * @return the setting
     * @throws io.soterverify.InvalidArgumentException when the emulator runs without the mode
     */
    public ApiSecurity apiSecurity() {
        long[] out = new long[1];
        call((e, err) -> TestingFfi.soter_emulator_api_security(e, out, err));
        return Internal.apiSecurity(out[0], appId);
    }

    /** Settings of a {@link WeChatEmulator}. */
    public static final class Builder {
        private final String appId;
        private final String secret;
        private String listen;
        private int tokenLifetimeS;
        private boolean openApi;
        private boolean reusableTickets;
        private boolean apiSecurity;

        private Builder(String appId, String secret) {
            this.appId = Objects.requireNonNull(appId, "appId must not be null");
            this.secret = Objects.requireNonNull(secret, "secret must not be null");
        }

        /**
         * The listen address (default {@code 127.0.0.1:0}, a free port). Loopback only: any other
         * address makes {@link #start()} fail with {@code ConfigException}.
         *
         * @param address {@code IP:PORT}
         * @return this builder
         */
        public Builder listen(String address) {
            this.listen = Objects.requireNonNull(address, "address must not be null");
            return this;
        }

        /**
         * The lifetime of issued tokens (default 7200 s).
         *
         * @param lifetime whole seconds, at least 1
         * @return this builder
         */
        public Builder tokenLifetime(Duration lifetime) {
            long s = Objects.requireNonNull(lifetime, "lifetime must not be null").getSeconds();
            if (s < 1 || s > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("tokenLifetime must be 1 s to 2^32-1 s");
            }
            this.tokenLifetimeS = (int) s;
            return this;
        }

        /**
         * Accepts calls without a token (WeChat cloud hosting's open API service mode).
         *
         * @param openApi true for open API mode
         * @return this builder
         */
        public Builder openApi(boolean openApi) {
            this.openApi = openApi;
            return this;
        }

        /**
         * Lets a legacy {@code verify_result} ticket be redeemed again and again (default false:
         * the second {@code getinfo} is errcode 84001, as in production). See
         * {@link WeChatEmulator#setReusableTickets(boolean)}.
         *
         * @param reusable true for the behaviour before tickets were single use
         * @return this builder
         */
        public Builder reusableTickets(boolean reusable) {
            this.reusableTickets = reusable;
            return this;
        }

        /**
         * WeChat's API security mode: the emulator makes its own keys and platform certificate,
         * requires sealed calls on its POST paths (answering 40230-40240 as WeChat does) and
         * seals its answers; {@link WeChatEmulator#apiSecurity()} gives the matching setting.
         *
         * @param on true for the mode
         * @return this builder
         */
        public Builder apiSecurity(boolean on) {
            this.apiSecurity = on;
            return this;
        }

        /**
         * Starts the emulator.
         *
         * @return the running emulator; close it when done
         * @throws io.soterverify.ConfigException for a non-loopback listen address
         * @throws io.soterverify.NetworkException when the port is in use
         * @throws SoterException for other failures
         */
        public WeChatEmulator start() {
            TestingFfi.load();
            byte[] l = listen == null ? null : listen.getBytes(StandardCharsets.UTF_8);
            long size = SoterEmulatorOptions.SIZE;
            Memory m = new Memory(size + (l == null ? 0 : l.length) + 1);
            m.clear();
            if (l != null) {
                m.write(size, l, 0, l.length);
                m.setPointer(SoterEmulatorOptions.OFF_LISTEN, m.share(size));
                m.setLong(SoterEmulatorOptions.OFF_LISTEN_LEN, l.length);
            }
            m.setInt(SoterEmulatorOptions.OFF_TOKEN_LIFETIME_S, tokenLifetimeS);
            m.setByte(SoterEmulatorOptions.OFF_OPEN_API, (byte) (openApi ? 1 : 0));
            m.setByte(SoterEmulatorOptions.OFF_API_SECURITY, (byte) (apiSecurity ? 1 : 0));
            byte[] a = appId.getBytes(StandardCharsets.UTF_8);
            byte[] s = secret.getBytes(StandardCharsets.UTF_8);
            long[] out = new long[1];
            long[] err = new long[1];
            try {
                Internal.check(TestingFfi.soter_emulator_start(a, a.length, s, s.length, m, out, err), err);
            } finally {
                Reference.reachabilityFence(m);
            }
            WeChatEmulator emu = new WeChatEmulator(out[0], appId);
            if (reusableTickets) {
                emu.setReusableTickets(true);
            }
            return emu;
        }

        @Override
        public String toString() {
            return "WeChatEmulator.Builder[appId=" + appId + ", secret redacted]";
        }
    }
}
