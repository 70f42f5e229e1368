package io.soterverify;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A parsed SOTER {@code resultJSON}: immutable, thread-safe, no native memory held (every field is
 * copied into Java when parsed).
 *
 * <p>Parsing alone proves nothing: use {@link Soter#authenticate} to accept a result. Fields that
 * are absent read as "" ({@code fid}, {@code tee_n}, {@code tee_v}, {@code fp_n}, {@code fp_v} are
 * optional; {@code raw}, {@code counter}, {@code cpu_id}, {@code uid} are required). Vendor fields
 * beyond the typed ones are kept in {@link #extra()}.
 */
public final class ResultJson {
    private final String raw;
    private final String fid;
    private final long counter;
    private final String teeN;
    private final String teeV;
    private final String fpN;
    private final String fpV;
    private final String cpuId;
    private final String uid;
    private final int saltLen;
    private final Map<String, String> extra;

    private ResultJson(long p) {
        // Every field in one native call: head (counter, rsa_pss_saltlen, extra count), then texts.
        Packed f = Packed.read(p, SoterFfi::soter_result_json_pack, 16, 12, 8);
        this.counter = f.head.getLong(0);
        this.saltLen = f.head.getInt(8);
        this.raw = f.text(0);
        this.fid = f.text(1);
        this.teeN = f.text(2);
        this.teeV = f.text(3);
        this.fpN = f.text(4);
        this.fpV = f.text(5);
        this.cpuId = f.text(6);
        this.uid = f.text(7);
        int n = f.count();
        if (n == 8) {
            this.extra = Map.of();
        } else {
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 8; i < n; i += 2) {
                m.put(f.text(i), f.text(i + 1));
            }
            this.extra = Collections.unmodifiableMap(m);
        }
    }

    /** Copies a native {@code SoterResultJson*} into Java and frees it. */
    static ResultJson consume(long p) {
        try {
            return new ResultJson(p);
        } finally {
            SoterFfi.soter_result_json_free(p);
        }
    }

    /**
     * Parses a resultJSON (at most 64 KiB). Duplicate fields, a BOM and trailing data are refused;
     * literal newlines in strings and {@code \/} escapes are accepted. Does not verify anything.
     *
     * @param data the resultJSON bytes exactly as received
     * @return the parsed result
     * @throws InvalidJsonException when it is not well formed or a required field is missing or mistyped
     * @throws DuplicateFieldException when a field appears twice
     * @throws InvalidInputException when it is empty or not UTF-8
     * @throws InputTooLargeException when it is over 64 KiB
     * @throws SoterException for any other failure of the library
     * @throws NullPointerException when {@code data} is null
     */
    public static ResultJson parse(byte[] data) {
        Objects.requireNonNull(data, "resultJSON must not be null");
        long[] out = new long[1];
        long[] err = new long[1];
        Errors.check(SoterFfi.soter_result_json_parse(data, data.length, out, err), err);
        return consume(out[0]);
    }

    /**
     * {@code raw}: the challenge the server issued.
     *
     * @return the challenge text
     */
    public String raw() {
        return raw;
    }

    /**
     * {@code fid}: the id of the enrolled finger or face that matched ("" when absent).
     *
     * @return the fid
     */
    public String fid() {
        return fid;
    }

    /**
     * {@code counter}: increases with every authentication on the device. An unsigned 64-bit
     * value (use {@link Long#toUnsignedString(long)} and {@link Long#compareUnsigned} beyond
     * {@link Long#MAX_VALUE}).
     *
     * @return the counter
     */
    public long counter() {
        return counter;
    }

    /**
     * {@code tee_n}: the TEE name ("" when absent).
     *
     * @return the TEE name
     */
    public String teeN() {
        return teeN;
    }

    /**
     * {@code tee_v}: the TEE version ("" when absent).
     *
     * @return the TEE version
     */
    public String teeV() {
        return teeV;
    }

    /**
     * {@code fp_n}: the sensor vendor ("" when absent).
     *
     * @return the sensor vendor
     */
    public String fpN() {
        return fpN;
    }

    /**
     * {@code fp_v}: the sensor version ("" when absent).
     *
     * @return the sensor version
     */
    public String fpV() {
        return fpV;
    }

    /**
     * {@code cpu_id}: the device identity the AuthKey was issued for.
     *
     * @return the cpu_id
     */
    public String cpuId() {
        return cpuId;
    }

    /**
     * {@code uid}: the app's Android uid on the device.
     *
     * @return the uid
     */
    public String uid() {
        return uid;
    }

    /**
     * {@code rsa_pss_saltlen}: the salt length the device says it used (Huawei: 32), when present.
     *
     * @return the salt length, or empty when the field is absent
     */
    public OptionalInt rsaPssSaltlen() {
        return saltLen < 0 ? OptionalInt.empty() : OptionalInt.of(saltLen);
    }

    /**
     * Fields beyond the typed ones ({@code bo_t}, {@code fc_n}, ...), in document order: decoded
     * name to the exact JSON source text of the value (a string value keeps its quotes).
     *
     * @return an unmodifiable, ordered map
     */
    public Map<String, String> extra() {
        return extra;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ResultJson)) {
            return false;
        }
        ResultJson r = (ResultJson) o;
        return counter == r.counter && saltLen == r.saltLen && raw.equals(r.raw) && fid.equals(r.fid)
                && teeN.equals(r.teeN) && teeV.equals(r.teeV) && fpN.equals(r.fpN) && fpV.equals(r.fpV)
                && cpuId.equals(r.cpuId) && uid.equals(r.uid) && extra.equals(r.extra);
    }

    @Override
    public int hashCode() {
        return Objects.hash(raw, fid, counter, teeN, teeV, fpN, fpV, cpuId, uid, saltLen, extra);
    }

    @Override
    public String toString() {
        return "ResultJson{raw=" + raw + ", fid=" + fid + ", counter=" + counter + ", tee_n=" + teeN
                + ", tee_v=" + teeV + ", fp_n=" + fpN + ", fp_v=" + fpV + ", cpu_id=" + cpuId + ", uid=" + uid
                + (saltLen >= 0 ? ", rsa_pss_saltlen=" + saltLen : "") + ", extra=" + extra + "}";
    }
}
