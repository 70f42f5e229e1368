// generated from include/soter_verify.h by make generate; do not edit
package io.soterverify.ffi;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * {@code SoterBytes} of {@code soter_verify.h}: its fields in order, JNA lays it out (not API).
 * The {@code OFF_*} constants and {@code SIZE} are JNA's layout, for hand-filled native memory.
 */
@Structure.FieldOrder({"data", "len"})
public final class SoterBytes extends Structure {
    /** {@code const uint8_t * data}. */
    public Pointer data;
    /** {@code size_t len}. */
    public long len;

    /** An instance to read the layout from (zeroed). */
    public SoterBytes() {
        super();
    }

    private static final SoterBytes LAYOUT = new SoterBytes();

    /** Size in bytes. */
    public static final int SIZE = LAYOUT.size();
    /** Offset of {@code data}. */
    public static final int OFF_DATA = LAYOUT.fieldOffset("data");
    /** Offset of {@code len}. */
    public static final int OFF_LEN = LAYOUT.fieldOffset("len");
}
