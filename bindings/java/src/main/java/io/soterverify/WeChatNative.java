package io.soterverify;

import com.sun.jna.Callback;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * Direct-mapped WeChat client functions of {@code libsoter_verify}, registered on first use only,
 * so the core classes still load against a library built without them. Conventions as in
 * {@link NativeLib}: pointers and {@code size_t} as {@code long}, C {@code bool} as {@code byte},
 * out parameters as one-element arrays, structs as hand-laid {@link com.sun.jna.Memory}.
 */
final class WeChatNative {
    static {
        NativeLib.load();
    }

    private WeChatNative() {}

    /** Forces registration (an {@link UnsatisfiedLinkError} when the library lacks the client). */
    static void load() {}

    // SoterTokenSource
    static final int TOKEN_STABLE = SoterFfi.TOKEN_SOURCE_STABLE;
    static final int TOKEN_CLASSIC = SoterFfi.TOKEN_SOURCE_CLASSIC;
    static final int TOKEN_FIXED = SoterFfi.TOKEN_SOURCE_FIXED;
    static final int TOKEN_CALLBACK = SoterFfi.TOKEN_SOURCE_CALLBACK;
    static final int TOKEN_CLOUD_OPEN_API = SoterFfi.TOKEN_SOURCE_CLOUD_OPEN_API;
    static final int TOKEN_CLOUDBASE_FILE = SoterFfi.TOKEN_SOURCE_CLOUDBASE_FILE;

    // SoterFaceField
    static final int FACE_ERRMSG = SoterFfi.FACE_FIELD_ERRMSG;
    static final int FACE_VALIDATE_DATA = SoterFfi.FACE_FIELD_VALIDATE_DATA;
    static final int FACE_OPENID = SoterFfi.FACE_FIELD_OPENID;
    static final int FACE_USER_ID_KEY = SoterFfi.FACE_FIELD_USER_ID_KEY;
    static final int FACE_ID_CARD_NUMBER_MD5 = SoterFfi.FACE_FIELD_ID_CARD_NUMBER_MD5;
    static final int FACE_NAME_UTF8_MD5 = SoterFfi.FACE_FIELD_NAME_UTF8_MD5;

    // SoterFaceNumber
    static final int FACE_ERRCODE = SoterFfi.FACE_NUMBER_ERRCODE;
    static final int FACE_IDENTIFY_RET = SoterFfi.FACE_NUMBER_IDENTIFY_RET;
    static final int FACE_IDENTIFY_TIME = SoterFfi.FACE_NUMBER_IDENTIFY_TIME;
    static final int FACE_FINISH_TIME = SoterFfi.FACE_NUMBER_FINISH_TIME;

    static final int CERT_HASH_LEN = SoterFfi.CERT_HASH_LEN;

    /** {@code SoterTokenCallback}: C bool as byte, size_t as long. */
    interface TokenCallback extends Callback {
        int invoke(Pointer userData, byte forceRefresh, Pointer buf, long cap, Pointer len, Pointer expiresIn);
    }





    // ---- API security mode (src/ffi/api_security.rs) ----
}
