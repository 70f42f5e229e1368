package io.soterverify;

import java.lang.ref.Cleaner;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One app's setting for WeChat's server API security mode (服务端 API 安全鉴权), AES256_GCM with
 * RSAwithSHA256 as set in the mini-program console: the symmetric key and its number, the app's
 * RSA private key and its number, and WeChat's platform certificates by number. Pass it to
 * {@link WeChatClient.Builder#apiSecurity} to seal calls and verify and open the answers, or use
 * {@link #seal} and {@link #open} by hand. Immutable and thread-safe; the keys never appear in
 * {@link #toString()} or in an exception. SM4_GCM with SM2withSM3 is not offered: WeChat publishes
 * no test vector for it.
 */
public final class ApiSecurity implements AutoCloseable {
    private final NativeHandle handle;
    private final Cleaner.Cleanable cleanable;
    private final String appId;

    ApiSecurity(long ptr, String appId) {
        this.handle = new NativeHandle(ptr, SoterFfi::soter_api_security_free, "ApiSecurity");
        this.cleanable = NativeHandle.CLEANER.register(this, handle);
        this.appId = appId;
    }

    /**
     * A builder for the app {@code appId}.
     *
     * @param appId the mini-program's AppID
     * @return the builder
     */
    public static Builder builder(String appId) {
        return new Builder(appId);
    }

    /** @return the AppID this setting is for */
    public String appId() {
        return appId;
    }

    /**
     * Whether a client using this setting seals calls to {@code path}.
     *
     * @param path an API path, e.g. {@code /wxa/getuserriskrank}
     * @return true when sealed
     */
    public boolean seals(String path) {
        byte[] p = Utf8.encode(path, "path");
        return handle.call(this, ptr -> SoterFfi.soter_api_security_seals(ptr, p, p.length)) != 0;
    }

    /** A sealed request: the body to send and the headers to send with it. */
    public static final class Sealed {
        private final String body;
        private final Map<String, String> headers;

        Sealed(String body, Map<String, String> headers) {
            this.body = body;
            this.headers = headers;
        }

        /** @return the body, {@code {"iv":...,"data":...,"authtag":...}} */
        public String body() {
            return body;
        }

        /** @return the Wechatmp-* headers, in order */
        public Map<String, String> headers() {
            return headers;
        }
    }

    /**
     * Seals a request to {@code url} (scheme and host included) whose body is the JSON object
     * {@code paramsJson}.
     *
     * @param url the API URL
     * @param paramsJson the request body, a JSON object (its member order is kept)
     * @return the sealed body and headers
     */
    public Sealed seal(String url, String paramsJson) {
        return seal(url, paramsJson, 0, null, null);
    }

    /**
     * As {@link #seal(String, String)} with fixed values, for tests: they reproduce a body byte
     * for byte. Production uses the two-argument form.
     *
     * @param url the API URL
     * @param paramsJson the request body, a JSON object
     * @param timestamp Unix seconds, or 0 for now
     * @param nonce the {@code _n} value, or null for a random one
     * @param iv 12 bytes, or null for a random IV
     * @return the sealed body and headers
     */
    public Sealed seal(String url, String paramsJson, long timestamp, String nonce, byte[] iv) {
        byte[] u = Utf8.encode(url, "url");
        byte[] p = Utf8.encode(paramsJson, "paramsJson");
        byte[] n = nonce == null ? null : Utf8.encode(nonce, "nonce");
        if (iv != null && iv.length != 12) {
            throw new IllegalArgumentException("iv must be 12 bytes");
        }
        if (timestamp < 0) {
            throw new IllegalArgumentException("timestamp must be Unix seconds (0 = now)");
        }
        long[] body = new long[1];
        long[] bodyLen = new long[1];
        long[] hdrs = new long[1];
        long[] hdrsLen = new long[1];
        long[] err = new long[1];
        int status = handle.call(this, ptr -> SoterFfi.soter_api_security_seal(ptr, u, u.length, p, p.length, timestamp,
                n, n == null ? 0 : n.length, iv, body, bodyLen, hdrs, hdrsLen, err));
        Errors.check(status, err);
        String b = Internal.takeString(body[0], bodyLen[0]);
        return new Sealed(b, parseStringObject(Internal.takeString(hdrs[0], hdrsLen[0])));
    }

    /**
     * Verifies and opens WeChat's answer to a call to {@code url}.
     *
     * @param url the API URL the call went to
     * @param body the answer's body
     * @param headers the answer's headers (names in any case)
     * @param now Unix seconds to check the answer's timestamp against, or 0 for now (tests)
     * @return the answer's JSON object without {@code _n}, {@code _appid} and {@code _timestamp}
     * @throws SignatureInvalidException a signature that does not verify (tampered, another URL),
     *     an unknown certificate number, a body that does not decrypt, a stale timestamp (over
     *     300 s), another {@code _appid}; each with its own message
     * @throws MalformedResponseException a missing header or another {@code Wechatmp-Appid}
     * @throws WeChatApiException WeChat's plain errcode answer (40230-40240 with their meaning)
     */
    public String open(String url, String body, Map<String, String> headers, long now) {
        byte[] u = Utf8.encode(url, "url");
        byte[] b = Utf8.encode(body, "body");
        byte[] h = Utf8.encode(toJson(headers), "headers");
        long[] out = new long[1];
        long[] outLen = new long[1];
        long[] err = new long[1];
        int status = handle.call(this, ptr -> SoterFfi.soter_api_security_open(ptr, u, u.length, b, b.length, h, h.length,
                now, out, outLen, err));
        Errors.check(status, err);
        return Internal.takeString(out[0], outLen[0]);
    }

    /** Runs {@code call} with the native pointer held (the client copies the setting). */
    int withPointer(java.util.function.LongToIntFunction call) {
        return handle.call(this, call);
    }

    /** @return whether {@link #close()} was called */
    public boolean isClosed() {
        return handle.isClosed();
    }

    /** Frees the native setting (clients made with it keep their own copy). Idempotent. */
    @Override
    public void close() {
        cleanable.clean();
    }

    @Override
    public String toString() {
        return "ApiSecurity[appId=" + appId + ", keys redacted]";
    }

    static String toJson(Map<String, String> m) {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, String> e : m.entrySet()) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            quote(sb, Objects.requireNonNull(e.getKey(), "header name"));
            sb.append(':');
            quote(sb, Objects.requireNonNull(e.getValue(), "header value"));
        }
        return sb.append('}').toString();
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        sb.append('"');
    }

    /** The library's headers object: string members only, as it writes them. */
    static Map<String, String> parseStringObject(String json) {
        Map<String, String> out = new LinkedHashMap<>();
        int[] at = {json.indexOf('{') + 1};
        while (true) {
            skip(json, at);
            if (json.charAt(at[0]) == '}') {
                return out;
            }
            String k = string(json, at);
            skip(json, at);
            at[0]++; // ':'
            skip(json, at);
            out.put(k, string(json, at));
            skip(json, at);
            if (json.charAt(at[0]) == ',') {
                at[0]++;
            }
        }
    }

    private static void skip(String s, int[] at) {
        while (Character.isWhitespace(s.charAt(at[0]))) {
            at[0]++;
        }
    }

    private static String string(String s, int[] at) {
        StringBuilder sb = new StringBuilder();
        int i = at[0] + 1; // after '"'
        while (s.charAt(i) != '"') {
            char c = s.charAt(i);
            if (c == '\\') {
                char e = s.charAt(++i);
                switch (e) {
                    case 'n': sb.append('\n'); break;
                    case 't': sb.append('\t'); break;
                    case 'r': sb.append('\r'); break;
                    case 'b': sb.append('\b'); break;
                    case 'f': sb.append('\f'); break;
                    case 'u': sb.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16)); i += 4; break;
                    default: sb.append(e);
                }
            } else {
                sb.append(c);
            }
            i++;
        }
        at[0] = i + 1;
        return sb.toString();
    }

    /** Builds an {@link ApiSecurity}; every key setting is required. */
    public static final class Builder {
        private final String appId;
        private String symKey;
        private String symSn;
        private String appPrivateKey;
        private String appKeySn;
        private final Map<String, String> platformCerts = new LinkedHashMap<>();
        private final java.util.List<String> paths = new java.util.ArrayList<>();

        private Builder(String appId) {
            this.appId = Objects.requireNonNull(appId, "appId");
        }

        /**
         * The symmetric key.
         *
         * @param base64 base64 of the 32-byte AES-256 key
         * @param number its number from the console
         * @return this builder
         */
        public Builder symKey(String base64, String number) {
            this.symKey = base64;
            this.symSn = number;
            return this;
        }

        /**
         * The app's RSA private key.
         *
         * @param pem PEM, PKCS#1 or PKCS#8
         * @param number its number from the console
         * @return this builder
         */
        public Builder appPrivateKey(String pem, String number) {
            this.appPrivateKey = pem;
            this.appKeySn = number;
            return this;
        }

        /**
         * Trusts a WeChat platform certificate.
         *
         * @param number its number from the console (not the X.509 serial)
         * @param pem the certificate
         * @return this builder
         */
        public Builder platformCert(String number, String pem) {
            platformCerts.put(Objects.requireNonNull(number, "number"), Objects.requireNonNull(pem, "pem"));
            return this;
        }

        /**
         * Also seals calls to {@code path}, beyond the documented ones.
         *
         * @param path an API path
         * @return this builder
         */
        public Builder path(String path) {
            paths.add(Objects.requireNonNull(path, "path"));
            return this;
        }

        /**
         * Creates the setting.
         *
         * @return the setting
         * @throws InvalidInputException a key that is not base64 of 32 bytes, an empty number
         * @throws InvalidKeyException a private key that is not PKCS#1 or PKCS#8 PEM RSA
         */
        public ApiSecurity build() {
            WeChatNative.load();
            byte[] a = Utf8.encode(appId, "appId");
            byte[] k = Utf8.encode(Objects.requireNonNull(symKey, "symKey"), "symKey");
            byte[] ks = Utf8.encode(Objects.requireNonNull(symSn, "symKey number"), "symSn");
            byte[] pk = Utf8.encode(Objects.requireNonNull(appPrivateKey, "appPrivateKey"), "appPrivateKey");
            byte[] pks = Utf8.encode(Objects.requireNonNull(appKeySn, "appPrivateKey number"), "appKeySn");
            long[] out = new long[1];
            long[] err = new long[1];
            Errors.check(SoterFfi.soter_api_security_new(a, a.length, k, k.length, ks, ks.length, pk, pk.length, pks,
                    pks.length, out, err), err);
            long ptr = out[0];
            // Each step makes a new handle and frees the one before; on failure only the last
            // live one is freed.
            for (Map.Entry<String, String> c : platformCerts.entrySet()) {
                byte[] n = Utf8.encode(c.getKey(), "number");
                byte[] p = Utf8.encode(c.getValue(), "pem");
                long from = ptr;
                ptr = step(from, (o, e) -> SoterFfi.soter_api_security_with_platform_cert(from, n, n.length, p, p.length, o, e));
            }
            for (String path : paths) {
                byte[] p = Utf8.encode(path, "path");
                long from = ptr;
                ptr = step(from, (o, e) -> SoterFfi.soter_api_security_with_path(from, p, p.length, o, e));
            }
            return new ApiSecurity(ptr, appId);
        }

        private interface Step {
            int apply(long[] out, long[] err);
        }

        /** The handle {@code step} makes from {@code from}; {@code from} is freed either way. */
        private static long step(long from, Step step) {
            long[] o = new long[1];
            long[] e = new long[1];
            int st;
            try {
                st = step.apply(o, e);
            } finally {
                SoterFfi.soter_api_security_free(from);
            }
            Errors.check(st, e);
            return o[0];
        }

        @Override
        public String toString() {
            return "ApiSecurity.Builder[appId=" + appId + ", keys redacted]";
        }
    }
}
