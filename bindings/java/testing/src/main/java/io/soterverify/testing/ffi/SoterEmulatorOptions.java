// generated from include/soter_verify.h by make generate; do not edit
package io.soterverify.testing.ffi;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * {@code SoterEmulatorOptions} of {@code soter_verify.h}: its fields in order, JNA lays it out (not API).
 * The {@code OFF_*} constants and {@code SIZE} are JNA's layout, for hand-filled native memory.
 */
@Structure.FieldOrder({"listen", "listen_len", "token_lifetime_s", "open_api", "api_security"})
public final class SoterEmulatorOptions extends Structure {
    /** {@code const uint8_t * listen}. */
    public Pointer listen;
    /** {@code size_t listen_len}. */
    public long listen_len;
    /** {@code uint32_t token_lifetime_s}. */
    public int token_lifetime_s;
    /** {@code bool open_api}. */
    public byte open_api;
    /** {@code bool api_security}. */
    public byte api_security;

    /** An instance to read the layout from (zeroed). */
    public SoterEmulatorOptions() {
        super();
    }

    private static final SoterEmulatorOptions LAYOUT = new SoterEmulatorOptions();

    /** Size in bytes. */
    public static final int SIZE = LAYOUT.size();
    /** Offset of {@code listen}. */
    public static final int OFF_LISTEN = LAYOUT.fieldOffset("listen");
    /** Offset of {@code listen_len}. */
    public static final int OFF_LISTEN_LEN = LAYOUT.fieldOffset("listen_len");
    /** Offset of {@code token_lifetime_s}. */
    public static final int OFF_TOKEN_LIFETIME_S = LAYOUT.fieldOffset("token_lifetime_s");
    /** Offset of {@code open_api}. */
    public static final int OFF_OPEN_API = LAYOUT.fieldOffset("open_api");
    /** Offset of {@code api_security}. */
    public static final int OFF_API_SECURITY = LAYOUT.fieldOffset("api_security");
}
