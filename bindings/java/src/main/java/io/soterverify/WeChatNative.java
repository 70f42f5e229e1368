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
        Native.register(WeChatNative.class, NativeLib.LIB);
    }

    private WeChatNative() {}

    /** Forces registration (an {@link UnsatisfiedLinkError} when the library lacks the client). */
    static void load() {}

    // SoterTokenSource
    static final int TOKEN_STABLE = 0;
    static final int TOKEN_CLASSIC = 1;
    static final int TOKEN_FIXED = 2;
    static final int TOKEN_CALLBACK = 3;
    static final int TOKEN_CLOUD_OPEN_API = 4;
    static final int TOKEN_CLOUDBASE_FILE = 5;

    // SoterFaceField
    static final int FACE_ERRMSG = 0;
    static final int FACE_VALIDATE_DATA = 1;
    static final int FACE_OPENID = 2;
    static final int FACE_USER_ID_KEY = 3;
    static final int FACE_ID_CARD_NUMBER_MD5 = 4;
    static final int FACE_NAME_UTF8_MD5 = 5;

    // SoterFaceNumber
    static final int FACE_ERRCODE = 0;
    static final int FACE_IDENTIFY_RET = 1;
    static final int FACE_IDENTIFY_TIME = 2;
    static final int FACE_FINISH_TIME = 3;

    static final int CERT_HASH_LEN = 64;

    /** {@code SoterTokenCallback}: C bool as byte, size_t as long. */
    interface TokenCallback extends Callback {
        int invoke(Pointer userData, byte forceRefresh, Pointer buf, long cap, Pointer len, Pointer expiresIn);
    }

    static native int soter_wechat_client_new(byte[] appid, long appidLen, byte[] secret, long secretLen,
            Pointer opts, long[] out, long[] err);
    static native void soter_wechat_client_free(long client);
    static native int soter_wechat_client_set_fixed_token(long client, byte[] token, long tokenLen, long[] err);
    static native void soter_wechat_client_clear_token(long client);
    /** {@code out}: SoterClientStats, four uint64. */
    static native int soter_wechat_client_stats(long client, long[] out, long[] err);

    static native int soter_wechat_soter_verify_signature(long client, byte[] openid, long openidLen,
            byte[] json, long jsonLen, byte[] sig, long sigLen, byte[] isOk, long[] err);

    static native int soter_wechat_face_get_info(long client, byte[] verifyResult, long len, long[] out, long[] err);
    static native void soter_face_info_free(long info);
    static native byte soter_face_info_passed(long info);
    static native byte soter_face_info_matches_person(long info, byte[] name, long nameLen, byte[] id, long idLen);
    static native byte soter_face_info_get(long info, int field, long[] ptr, long[] len);
    static native byte soter_face_info_number(long info, int field, long[] out);

    static native int soter_cert_hash(Pointer certInfo, byte[] buf, long cap, long[] err);
    static native int soter_wechat_face_get_verify_id(long client, byte[] outSeqNo, long outSeqNoLen, Pointer cert,
            byte[] openid, long openidLen, long[] verifyId, long[] expiresIn, long[] err);
    /** {@code out}: SoterVerifyInfo (16 bytes: int64 verify_ret, int32 outcome, bool passed). */
    static native int soter_wechat_face_query_verify_info(long client, byte[] verifyId, long verifyIdLen,
            byte[] outSeqNo, long outSeqNoLen, Pointer cert, byte[] openid, long openidLen, Pointer out, long[] err);
    static native long soter_verify_outcome_name(int outcome);

    // ---- API security mode (src/ffi/api_security.rs) ----
    static native int soter_api_security_new(byte[] appid, long appidLen, byte[] symKey, long symKeyLen, byte[] symSn,
            long symSnLen, byte[] appPrivateKey, long appPrivateKeyLen, byte[] appKeySn, long appKeySnLen, long[] out,
            long[] err);
    static native int soter_api_security_with_platform_cert(long sec, byte[] number, long numberLen, byte[] pem,
            long pemLen, long[] out, long[] err);
    static native int soter_api_security_with_path(long sec, byte[] path, long pathLen, long[] out, long[] err);
    static native byte soter_api_security_seals(long sec, byte[] path, long pathLen);
    static native void soter_api_security_free(long sec);
    static native int soter_api_security_seal(long sec, byte[] url, long urlLen, byte[] params, long paramsLen,
            long timestamp, byte[] nonce, long nonceLen, byte[] iv12, long[] body, long[] bodyLen, long[] headers,
            long[] headersLen, long[] err);
    static native int soter_api_security_open(long sec, byte[] url, long urlLen, byte[] body, long bodyLen,
            byte[] headersJson, long headersJsonLen, long now, long[] out, long[] outLen, long[] err);
}
