package io.soterverify.testing;

/** A fault a {@link WeChatEmulator} can inject ({@code SoterFault}). */
public enum Fault {
    /** errcode -1 (system busy; the client retries with backoff). */
    SYSTEM_BUSY,
    /** errcode 40001 (invalid token; the client refreshes once and retries once). */
    INVALID_TOKEN,
    /** errcode 42001 (expired token). */
    EXPIRED_TOKEN,
    /** HTTP 500. */
    HTTP_500,
    /** Answer normally after a delay (see {@link WeChatEmulator#injectDelay}). */
    DELAY,
    /** HTTP 200 with truncated JSON. */
    MALFORMED_BODY,
    /** Close the connection without answering. */
    DROP_CONNECTION
}
