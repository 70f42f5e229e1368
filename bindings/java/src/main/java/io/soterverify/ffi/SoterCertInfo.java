// generated from include/soter_verify.h by make generate; do not edit
package io.soterverify.ffi;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * {@code SoterCertInfo} of {@code soter_verify.h}: its fields in order, JNA lays it out (not API).
 * The {@code OFF_*} constants and {@code SIZE} are JNA's layout, for hand-filled native memory.
 */
@Structure.FieldOrder({"cert_type", "cert_type_len", "cert_name", "cert_name_len", "cert_no", "cert_no_len"})
public final class SoterCertInfo extends Structure {
    /** {@code const uint8_t * cert_type}. */
    public Pointer cert_type;
    /** {@code size_t cert_type_len}. */
    public long cert_type_len;
    /** {@code const uint8_t * cert_name}. */
    public Pointer cert_name;
    /** {@code size_t cert_name_len}. */
    public long cert_name_len;
    /** {@code const uint8_t * cert_no}. */
    public Pointer cert_no;
    /** {@code size_t cert_no_len}. */
    public long cert_no_len;

    /** An instance to read the layout from (zeroed). */
    public SoterCertInfo() {
        super();
    }

    private static final SoterCertInfo LAYOUT = new SoterCertInfo();

    /** Size in bytes. */
    public static final int SIZE = LAYOUT.size();
    /** Offset of {@code cert_type}. */
    public static final int OFF_CERT_TYPE = LAYOUT.fieldOffset("cert_type");
    /** Offset of {@code cert_type_len}. */
    public static final int OFF_CERT_TYPE_LEN = LAYOUT.fieldOffset("cert_type_len");
    /** Offset of {@code cert_name}. */
    public static final int OFF_CERT_NAME = LAYOUT.fieldOffset("cert_name");
    /** Offset of {@code cert_name_len}. */
    public static final int OFF_CERT_NAME_LEN = LAYOUT.fieldOffset("cert_name_len");
    /** Offset of {@code cert_no}. */
    public static final int OFF_CERT_NO = LAYOUT.fieldOffset("cert_no");
    /** Offset of {@code cert_no_len}. */
    public static final int OFF_CERT_NO_LEN = LAYOUT.fieldOffset("cert_no_len");
}
