// generated from include/soter_verify.h by make generate; do not edit
package io.soterverify.ffi;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * {@code SoterSentinelOptions} of {@code soter_verify.h}: its fields in order, JNA lays it out (not API).
 * The {@code OFF_*} constants and {@code SIZE} are JNA's layout, for hand-filled native memory.
 */
@Structure.FieldOrder({"password", "password_len", "sentinel_password", "sentinel_password_len", "db"})
public final class SoterSentinelOptions extends Structure {
    /** {@code const uint8_t * password}. */
    public Pointer password;
    /** {@code size_t password_len}. */
    public long password_len;
    /** {@code const uint8_t * sentinel_password}. */
    public Pointer sentinel_password;
    /** {@code size_t sentinel_password_len}. */
    public long sentinel_password_len;
    /** {@code int64_t db}. */
    public long db;

    /** An instance to read the layout from (zeroed). */
    public SoterSentinelOptions() {
        super();
    }

    private static final SoterSentinelOptions LAYOUT = new SoterSentinelOptions();

    /** Size in bytes. */
    public static final int SIZE = LAYOUT.size();
    /** Offset of {@code password}. */
    public static final int OFF_PASSWORD = LAYOUT.fieldOffset("password");
    /** Offset of {@code password_len}. */
    public static final int OFF_PASSWORD_LEN = LAYOUT.fieldOffset("password_len");
    /** Offset of {@code sentinel_password}. */
    public static final int OFF_SENTINEL_PASSWORD = LAYOUT.fieldOffset("sentinel_password");
    /** Offset of {@code sentinel_password_len}. */
    public static final int OFF_SENTINEL_PASSWORD_LEN = LAYOUT.fieldOffset("sentinel_password_len");
    /** Offset of {@code db}. */
    public static final int OFF_DB = LAYOUT.fieldOffset("db");
}
