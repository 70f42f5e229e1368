// generated from include/soter_verify.h by make generate; do not edit
package io.soterverify.ffi;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * {@code SoterClientOptions} of {@code soter_verify.h}: its fields in order, JNA lays it out (not API).
 * The {@code OFF_*} constants and {@code SIZE} are JNA's layout, for hand-filled native memory.
 */
@Structure.FieldOrder({"base_url", "base_url_len", "allow_insecure_http", "connect_timeout_ms", "timeout_ms", "attempt_timeout_ms", "proxy", "proxy_len", "max_attempts", "backoff_base_ms", "backoff_max_ms", "max_response_size", "refresh_margin_s", "token_source", "fixed_token", "fixed_token_len", "token_file", "token_file_len", "token_callback", "token_callback_user_data", "token_retry_max_ms", "max_idle_connections", "api_security"})
public final class SoterClientOptions extends Structure {
    /** {@code const uint8_t * base_url}. */
    public Pointer base_url;
    /** {@code size_t base_url_len}. */
    public long base_url_len;
    /** {@code bool allow_insecure_http}. */
    public byte allow_insecure_http;
    /** {@code uint32_t connect_timeout_ms}. */
    public int connect_timeout_ms;
    /** {@code uint32_t timeout_ms}. */
    public int timeout_ms;
    /** {@code uint32_t attempt_timeout_ms}. */
    public int attempt_timeout_ms;
    /** {@code const uint8_t * proxy}. */
    public Pointer proxy;
    /** {@code size_t proxy_len}. */
    public long proxy_len;
    /** {@code uint32_t max_attempts}. */
    public int max_attempts;
    /** {@code uint32_t backoff_base_ms}. */
    public int backoff_base_ms;
    /** {@code uint32_t backoff_max_ms}. */
    public int backoff_max_ms;
    /** {@code uint64_t max_response_size}. */
    public long max_response_size;
    /** {@code uint32_t refresh_margin_s}. */
    public int refresh_margin_s;
    /** {@code int32_t token_source}. */
    public int token_source;
    /** {@code const uint8_t * fixed_token}. */
    public Pointer fixed_token;
    /** {@code size_t fixed_token_len}. */
    public long fixed_token_len;
    /** {@code const uint8_t * token_file}. */
    public Pointer token_file;
    /** {@code size_t token_file_len}. */
    public long token_file_len;
    /** {@code SoterTokenCallback token_callback}. */
    public Pointer token_callback;
    /** {@code void * token_callback_user_data}. */
    public Pointer token_callback_user_data;
    /** {@code uint32_t token_retry_max_ms}. */
    public int token_retry_max_ms;
    /** {@code uint32_t max_idle_connections}. */
    public int max_idle_connections;
    /** {@code const SoterApiSecurity * api_security}. */
    public Pointer api_security;

    /** An instance to read the layout from (zeroed). */
    public SoterClientOptions() {
        super();
    }

    private static final SoterClientOptions LAYOUT = new SoterClientOptions();

    /** Size in bytes. */
    public static final int SIZE = LAYOUT.size();
    /** Offset of {@code base_url}. */
    public static final int OFF_BASE_URL = LAYOUT.fieldOffset("base_url");
    /** Offset of {@code base_url_len}. */
    public static final int OFF_BASE_URL_LEN = LAYOUT.fieldOffset("base_url_len");
    /** Offset of {@code allow_insecure_http}. */
    public static final int OFF_ALLOW_INSECURE_HTTP = LAYOUT.fieldOffset("allow_insecure_http");
    /** Offset of {@code connect_timeout_ms}. */
    public static final int OFF_CONNECT_TIMEOUT_MS = LAYOUT.fieldOffset("connect_timeout_ms");
    /** Offset of {@code timeout_ms}. */
    public static final int OFF_TIMEOUT_MS = LAYOUT.fieldOffset("timeout_ms");
    /** Offset of {@code attempt_timeout_ms}. */
    public static final int OFF_ATTEMPT_TIMEOUT_MS = LAYOUT.fieldOffset("attempt_timeout_ms");
    /** Offset of {@code proxy}. */
    public static final int OFF_PROXY = LAYOUT.fieldOffset("proxy");
    /** Offset of {@code proxy_len}. */
    public static final int OFF_PROXY_LEN = LAYOUT.fieldOffset("proxy_len");
    /** Offset of {@code max_attempts}. */
    public static final int OFF_MAX_ATTEMPTS = LAYOUT.fieldOffset("max_attempts");
    /** Offset of {@code backoff_base_ms}. */
    public static final int OFF_BACKOFF_BASE_MS = LAYOUT.fieldOffset("backoff_base_ms");
    /** Offset of {@code backoff_max_ms}. */
    public static final int OFF_BACKOFF_MAX_MS = LAYOUT.fieldOffset("backoff_max_ms");
    /** Offset of {@code max_response_size}. */
    public static final int OFF_MAX_RESPONSE_SIZE = LAYOUT.fieldOffset("max_response_size");
    /** Offset of {@code refresh_margin_s}. */
    public static final int OFF_REFRESH_MARGIN_S = LAYOUT.fieldOffset("refresh_margin_s");
    /** Offset of {@code token_source}. */
    public static final int OFF_TOKEN_SOURCE = LAYOUT.fieldOffset("token_source");
    /** Offset of {@code fixed_token}. */
    public static final int OFF_FIXED_TOKEN = LAYOUT.fieldOffset("fixed_token");
    /** Offset of {@code fixed_token_len}. */
    public static final int OFF_FIXED_TOKEN_LEN = LAYOUT.fieldOffset("fixed_token_len");
    /** Offset of {@code token_file}. */
    public static final int OFF_TOKEN_FILE = LAYOUT.fieldOffset("token_file");
    /** Offset of {@code token_file_len}. */
    public static final int OFF_TOKEN_FILE_LEN = LAYOUT.fieldOffset("token_file_len");
    /** Offset of {@code token_callback}. */
    public static final int OFF_TOKEN_CALLBACK = LAYOUT.fieldOffset("token_callback");
    /** Offset of {@code token_callback_user_data}. */
    public static final int OFF_TOKEN_CALLBACK_USER_DATA = LAYOUT.fieldOffset("token_callback_user_data");
    /** Offset of {@code token_retry_max_ms}. */
    public static final int OFF_TOKEN_RETRY_MAX_MS = LAYOUT.fieldOffset("token_retry_max_ms");
    /** Offset of {@code max_idle_connections}. */
    public static final int OFF_MAX_IDLE_CONNECTIONS = LAYOUT.fieldOffset("max_idle_connections");
    /** Offset of {@code api_security}. */
    public static final int OFF_API_SECURITY = LAYOUT.fieldOffset("api_security");
}
