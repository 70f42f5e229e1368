// generated from include/soter_verify.h by make generate; do not edit
package io.soterverify.ffi;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * {@code SoterClientStats} of {@code soter_verify.h}: its fields in order, JNA lays it out (not API).
 * The {@code OFF_*} constants and {@code SIZE} are JNA's layout, for hand-filled native memory.
 */
@Structure.FieldOrder({"http_requests", "retries", "token_fetches", "token_retries"})
public final class SoterClientStats extends Structure {
    /** {@code uint64_t http_requests}. */
    public long http_requests;
    /** {@code uint64_t retries}. */
    public long retries;
    /** {@code uint64_t token_fetches}. */
    public long token_fetches;
    /** {@code uint64_t token_retries}. */
    public long token_retries;

    /** An instance to read the layout from (zeroed). */
    public SoterClientStats() {
        super();
    }

    private static final SoterClientStats LAYOUT = new SoterClientStats();

    /** Size in bytes. */
    public static final int SIZE = LAYOUT.size();
    /** Offset of {@code http_requests}. */
    public static final int OFF_HTTP_REQUESTS = LAYOUT.fieldOffset("http_requests");
    /** Offset of {@code retries}. */
    public static final int OFF_RETRIES = LAYOUT.fieldOffset("retries");
    /** Offset of {@code token_fetches}. */
    public static final int OFF_TOKEN_FETCHES = LAYOUT.fieldOffset("token_fetches");
    /** Offset of {@code token_retries}. */
    public static final int OFF_TOKEN_RETRIES = LAYOUT.fieldOffset("token_retries");
}
