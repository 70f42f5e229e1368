package io.soterverify;

import com.sun.jna.Memory;
import io.soterverify.ffi.SoterCertInfo;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An identity document for face verification ({@code cert_info}: type, name, number). Immutable.
 * {@link #toString()} shows the type only: names and ID numbers never appear in messages.
 */
public final class CertInfo {
    /** The document type of a mainland China resident identity card. */
    public static final String IDENTITY_CARD = "IDENTITY_CARD";

    private final String certType;
    private final String certName;
    private final String certNo;

    private CertInfo(String certType, String certName, String certNo) {
        this.certType = Objects.requireNonNull(certType, "cert type must not be null");
        this.certName = Objects.requireNonNull(certName, "cert name must not be null");
        this.certNo = Objects.requireNonNull(certNo, "cert number must not be null");
    }

    /**
     * A resident identity card ({@value #IDENTITY_CARD}).
     *
     * @param name the holder's name
     * @param idNumber the ID number
     * @return the document
     */
    public static CertInfo identityCard(String name, String idNumber) {
        return new CertInfo(IDENTITY_CARD, name, idNumber);
    }

    /**
     * A document of any type WeChat accepts.
     *
     * @param certType the type, e.g. {@value #IDENTITY_CARD}
     * @param certName the holder's name
     * @param certNo the document number
     * @return the document
     */
    public static CertInfo of(String certType, String certName, String certNo) {
        return new CertInfo(certType, certName, certNo);
    }

    /**
     * The document type.
     *
     * @return the type
     */
    public String certType() {
        return certType;
    }

    /**
     * The holder's name.
     *
     * @return the name
     */
    public String certName() {
        return certName;
    }

    /**
     * The document number.
     *
     * @return the number
     */
    public String certNo() {
        return certNo;
    }

    /**
     * WeChat's {@code cert_hash} of this document: lowercase hex SHA-256 of
     * {@code cert_type=B64&cert_name=B64&cert_no=B64} (computed by the native library).
     *
     * @return 64 lowercase hex characters
     * @throws SoterException when the library fails
     */
    public String hash() {
        WeChatNative.load();
        Memory m = struct();
        byte[] buf = new byte[WeChatNative.CERT_HASH_LEN + 1];
        long[] err = new long[1];
        Errors.check(SoterFfi.soter_cert_hash(m, buf, buf.length, err), err);
        return new String(buf, 0, WeChatNative.CERT_HASH_LEN, StandardCharsets.US_ASCII);
    }

    /**
     * {@code SoterCertInfo}: three (pointer, length) pairs, the texts right after.
     * Keep the memory reachable during the call.
     */
    Memory struct() {
        byte[][] t = {Utf8.encode(certType, "certType"), Utf8.encode(certName, "certName"), Utf8.encode(certNo, "certNo")};
        long[][] fields = {
            {SoterCertInfo.OFF_CERT_TYPE, SoterCertInfo.OFF_CERT_TYPE_LEN},
            {SoterCertInfo.OFF_CERT_NAME, SoterCertInfo.OFF_CERT_NAME_LEN},
            {SoterCertInfo.OFF_CERT_NO, SoterCertInfo.OFF_CERT_NO_LEN},
        };
        Memory m = new Memory(SoterCertInfo.SIZE + t[0].length + t[1].length + t[2].length + 1);
        m.clear();
        long at = SoterCertInfo.SIZE;
        for (int i = 0; i < 3; i++) {
            m.write(at, t[i], 0, t[i].length);
            m.setPointer(fields[i][0], m.share(at));
            m.setLong(fields[i][1], t[i].length);
            at += t[i].length;
        }
        return m;
    }

    @Override
    public String toString() {
        return "CertInfo[" + certType + ", name and number redacted]";
    }
}
