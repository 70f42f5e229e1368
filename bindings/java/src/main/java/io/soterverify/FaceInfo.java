package io.soterverify;

import java.lang.ref.Cleaner;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A legacy face verification result ({@code /cityservice/face/identify/getinfo}). Immutable and
 * thread-safe.
 *
 * <p>{@link #passed()} is true only when errcode is 0 and {@code identify_ret} is 0; a result can
 * be well formed and still a failure. {@link #matchesPerson} checks the result belongs to the
 * person you expected (name and ID number hashes); grant access only when both hold.
 *
 * <p>The fields are copied into Java; the native result is kept for {@link #matchesPerson}: close
 * it (try-with-resources) when done, or a {@link Cleaner} frees it once this object is
 * unreachable. The fields stay readable after {@link #close()}; {@link #matchesPerson} and
 * {@link #passedFor} then throw {@link IllegalStateException}. {@link #toString()} shows no
 * personal data.
 *
 * <pre>{@code
 * try (FaceInfo info = wechat.faceGetInfo(verifyResult)) {
 *     boolean ok = info.passedFor(name, idNumber);
 * }
 * }</pre>
 */
public final class FaceInfo implements AutoCloseable {
    private final NativeHandle handle;
    private final Cleaner.Cleanable cleanable;
    private final boolean passed;
    private final long errcode;
    private final String errmsg;
    private final long identifyRet;
    private final Long identifyTime;
    private final Long finishTime;
    private final String validateData;
    private final String openid;
    private final String userIdKey;
    private final String idCardNumberMd5;
    private final String nameUtf8Md5;

    FaceInfo(long ptr) {
        this.handle = new NativeHandle(ptr, SoterFfi::soter_face_info_free, "FaceInfo");
        this.cleanable = NativeHandle.CLEANER.register(this, handle);
        this.passed = SoterFfi.soter_face_info_passed(ptr) != 0;
        this.errcode = number(ptr, WeChatNative.FACE_ERRCODE, 0L);
        this.identifyRet = number(ptr, WeChatNative.FACE_IDENTIFY_RET, -1L);
        this.identifyTime = number(ptr, WeChatNative.FACE_IDENTIFY_TIME, null);
        this.finishTime = number(ptr, WeChatNative.FACE_FINISH_TIME, null);
        String m = text(ptr, WeChatNative.FACE_ERRMSG);
        this.errmsg = m == null ? "" : m;
        this.validateData = text(ptr, WeChatNative.FACE_VALIDATE_DATA);
        this.openid = text(ptr, WeChatNative.FACE_OPENID);
        this.userIdKey = text(ptr, WeChatNative.FACE_USER_ID_KEY);
        this.idCardNumberMd5 = text(ptr, WeChatNative.FACE_ID_CARD_NUMBER_MD5);
        this.nameUtf8Md5 = text(ptr, WeChatNative.FACE_NAME_UTF8_MD5);
    }

    private static Long number(long ptr, int field, Long absent) {
        long[] out = new long[1];
        return SoterFfi.soter_face_info_number(ptr, field, out) != 0 ? out[0] : absent;
    }

    private static String text(long ptr, int field) {
        long[] p = new long[1];
        long[] len = new long[1];
        return SoterFfi.soter_face_info_get(ptr, field, p, len) != 0 ? NativeLib.utf8(p[0], len[0]) : null;
    }

    /**
     * Whether the face verification passed: errcode 0 and {@code identify_ret} 0.
     *
     * @return true only then
     */
    public boolean passed() {
        return passed;
    }

    /**
     * Whether this result belongs to the person with this name and ID number: compares
     * {@code name_utf8_md5} and {@code id_card_number_md5} (a final x of the ID number is
     * uppercased). Says nothing about passing: combine with {@link #passed()}.
     *
     * @param name the expected person's name
     * @param idNumber the expected person's ID number
     * @return true when both hashes match
     * @throws IllegalStateException when closed
     */
    public boolean matchesPerson(String name, String idNumber) {
        Objects.requireNonNull(name, "name must not be null");
        Objects.requireNonNull(idNumber, "ID number must not be null");
        // Text with an unpaired surrogate names nobody (Java would hash its '?' instead).
        if (Utf8.unpairedSurrogate(name) >= 0 || Utf8.unpairedSurrogate(idNumber) >= 0) {
            return false;
        }
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        byte[] id = idNumber.getBytes(StandardCharsets.UTF_8);
        return handle.call(this, p -> SoterFfi.soter_face_info_matches_person(p, n, n.length, id, id.length)) != 0;
    }

    /**
     * Whether face verification succeeded for this person: {@link #passed()} and
     * {@link #matchesPerson}. The check to grant access on.
     *
     * @param name the expected person's name
     * @param idNumber the expected person's ID number
     * @return true only when the verification passed and is about this person
     * @throws IllegalStateException when closed
     */
    public boolean passedFor(String name, String idNumber) {
        return passed && matchesPerson(name, idNumber);
    }

    /**
     * Whether {@link #close()} was called.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return handle.isClosed();
    }

    /** Frees the native result (after calls in flight finish); the fields stay readable. Idempotent. */
    @Override
    public void close() {
        cleanable.clean();
    }

    /**
     * WeChat's errcode (0 for a result WeChat returned).
     *
     * @return the errcode
     */
    public long errcode() {
        return errcode;
    }

    /**
     * WeChat's errmsg.
     *
     * @return the errmsg ("" when absent)
     */
    public String errmsg() {
        return errmsg;
    }

    /**
     * {@code identify_ret}: 0 when the face matched; anything else is a failure.
     *
     * @return the value
     */
    public long identifyRet() {
        return identifyRet;
    }

    /**
     * {@code identify_time} (Unix seconds) when present.
     *
     * @return the time, or empty
     */
    public OptionalLong identifyTime() {
        return identifyTime == null ? OptionalLong.empty() : OptionalLong.of(identifyTime);
    }

    /**
     * {@code finish_time} (Unix seconds) when present.
     *
     * @return the time, or empty
     */
    public OptionalLong finishTime() {
        return finishTime == null ? OptionalLong.empty() : OptionalLong.of(finishTime);
    }

    /**
     * {@code validate_data} when present.
     *
     * @return the value, or empty
     */
    public Optional<String> validateData() {
        return Optional.ofNullable(validateData);
    }

    /**
     * {@code openid} of the user who did the verification, when present.
     *
     * @return the openid, or empty
     */
    public Optional<String> openid() {
        return Optional.ofNullable(openid);
    }

    /**
     * {@code user_id_key} when present.
     *
     * @return the value, or empty
     */
    public Optional<String> userIdKey() {
        return Optional.ofNullable(userIdKey);
    }

    /**
     * {@code id_card_number_md5}: lowercase hex MD5 of the ID number (final X uppercased).
     *
     * @return the hash, or empty
     */
    public Optional<String> idCardNumberMd5() {
        return Optional.ofNullable(idCardNumberMd5);
    }

    /**
     * {@code name_utf8_md5}: lowercase hex MD5 of the UTF-8 name.
     *
     * @return the hash, or empty
     */
    public Optional<String> nameUtf8Md5() {
        return Optional.ofNullable(nameUtf8Md5);
    }

    @Override
    public String toString() {
        return "FaceInfo[passed=" + passed + ", errcode=" + errcode + ", identify_ret=" + identifyRet + "]";
    }
}
