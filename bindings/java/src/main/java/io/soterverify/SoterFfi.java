// generated from include/soter_verify.h by make generate; do not edit
package io.soterverify;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The library functions of {@code soter_verify.h}, direct-mapped (JNA {@code Native.register}).
 * Conventions: C {@code bool} as {@code byte}, {@code size_t} as {@code long}, handles and
 * returned strings as {@code long}, out-parameters as one-element arrays, structs as
 * {@link Pointer} (laid out by the {@code ffi} classes).
 */
final class SoterFfi {
    static {
        Native.register(SoterFfi.class, NativeLib.LIB);
        NativeLib.registered(); // the hand-written loader's hook (logging)
    }

    private SoterFfi() {}

    /** Forces registration. */
    static void load() {}

    static final int ABI_VERSION = 3;
    static final int ASK_FORMAT_CLASSIC = 0;
    static final int ASK_FORMAT_CERTIFICATE_CHAIN = 1;
    static final int SECURITY_LEVEL_SOFTWARE = 0;
    static final int SECURITY_LEVEL_TEE = 1;
    static final int SECURITY_LEVEL_STRONGBOX = 2;
    static final int POLICY_ALLOW_SOFTWARE = 1;
    static final int POLICY_ANY_ORIGIN = 2;
    static final int POLICY_ANY_PURPOSE = 4;
    static final int SALT_LEN_DEFAULT = -1;
    static final int SALT_LEN_AUTO = -2;
    static final int CHALLENGE_LEN = 43;
    static final int IO_CPU_ID = 1;
    static final int IO_UID = 2;
    static final int IO_MIN_COUNTER = 4;
    static final int GUARD_DEFAULT_MAX_CHALLENGES = 100000;
    static final int GUARD_DEFAULT_MAX_DEVICES = 1000000;
    static final int GUARD_DEFAULT_TIMEOUT_MS = 1000;
    static final int GUARD_MAX_TIMEOUT_MS = 3600000;
    static final int GUARD_DEFAULT_MAX_CHALLENGES_PER_SUBJECT = 16;
    static final int GUARD_DEFAULT_FACE_MAX_AGE_S = 600;
    static final int GUARD_DEFAULT_FACE_TTL_S = 3600;
    static final int LOG_OFF = 0;
    static final int LOG_ERROR = 1;
    static final int LOG_WARN = 2;
    static final int LOG_INFO = 3;
    static final int LOG_DEBUG = 4;
    static final int LOG_TRACE = 5;
    static final int CERT_HASH_LEN = 64;
    // SoterStatus
    static final int STATUS_OK = 0;
    static final int STATUS_INVALID_ARGUMENT = 1;
    static final int STATUS_INVALID_INPUT = 2;
    static final int STATUS_INPUT_TOO_LARGE = 3;
    static final int STATUS_INVALID_KEY = 4;
    static final int STATUS_KEY_TOO_SMALL = 5;
    static final int STATUS_UNSUPPORTED_KEY = 6;
    static final int STATUS_MALFORMED_SIGNATURE = 7;
    static final int STATUS_INVALID_JSON = 8;
    static final int STATUS_DUPLICATE_FIELD = 9;
    static final int STATUS_SIGNATURE_INVALID = 10;
    static final int STATUS_CHALLENGE_MISMATCH = 11;
    static final int STATUS_DEVICE_MISMATCH = 12;
    static final int STATUS_COUNTER_REPLAY = 13;
    static final int STATUS_NETWORK = 14;
    static final int STATUS_TIMEOUT = 15;
    static final int STATUS_WECHAT_API = 16;
    static final int STATUS_TOKEN = 17;
    static final int STATUS_MALFORMED_RESPONSE = 18;
    static final int STATUS_CONFIG = 19;
    static final int STATUS_STORE_UNAVAILABLE = 20;
    static final int STATUS_CERTIFICATE_INVALID = 21;
    static final int STATUS_UNTRUSTED_ROOT = 22;
    static final int STATUS_CERTIFICATE_REVOKED = 23;
    static final int STATUS_INTERNAL = 99;
    // SoterVerifyOutcome
    static final int VERIFY_OUTCOME_PASSED = 0;
    static final int VERIFY_OUTCOME_USER_CANCELLED = 1;
    static final int VERIFY_OUTCOME_DEVICE_UNSUPPORTED = 2;
    static final int VERIFY_OUTCOME_NETWORK_ERROR = 3;
    static final int VERIFY_OUTCOME_PERMISSION_DENIED = 4;
    static final int VERIFY_OUTCOME_INVALID_FACE_DATA = 5;
    static final int VERIFY_OUTCOME_TIMEOUT = 6;
    static final int VERIFY_OUTCOME_SYSTEM_ERROR = 7;
    static final int VERIFY_OUTCOME_OTHER = 8;
    // SoterField
    static final int FIELD_RAW = 0;
    static final int FIELD_FID = 1;
    static final int FIELD_TEE_N = 2;
    static final int FIELD_TEE_V = 3;
    static final int FIELD_FP_N = 4;
    static final int FIELD_FP_V = 5;
    static final int FIELD_CPU_ID = 6;
    static final int FIELD_UID = 7;
    static final int FIELD_PUB_KEY = 8;
    // SoterTokenSource
    static final int TOKEN_SOURCE_STABLE = 0;
    static final int TOKEN_SOURCE_CLASSIC = 1;
    static final int TOKEN_SOURCE_FIXED = 2;
    static final int TOKEN_SOURCE_CALLBACK = 3;
    static final int TOKEN_SOURCE_CLOUD_OPEN_API = 4;
    static final int TOKEN_SOURCE_CLOUDBASE_FILE = 5;
    // SoterFaceField
    static final int FACE_FIELD_ERRMSG = 0;
    static final int FACE_FIELD_VALIDATE_DATA = 1;
    static final int FACE_FIELD_OPENID = 2;
    static final int FACE_FIELD_USER_ID_KEY = 3;
    static final int FACE_FIELD_ID_CARD_NUMBER_MD5 = 4;
    static final int FACE_FIELD_NAME_UTF8_MD5 = 5;
    // SoterFaceNumber
    static final int FACE_NUMBER_ERRCODE = 0;
    static final int FACE_NUMBER_IDENTIFY_RET = 1;
    static final int FACE_NUMBER_IDENTIFY_TIME = 2;
    static final int FACE_NUMBER_FINISH_TIME = 3;
    // SoterFault
    static final int FAULT_SYSTEM_BUSY = 0;
    static final int FAULT_INVALID_TOKEN = 1;
    static final int FAULT_EXPIRED_TOKEN = 2;
    static final int FAULT_HTTP500 = 3;
    static final int FAULT_DELAY = 4;
    static final int FAULT_MALFORMED_BODY = 5;
    static final int FAULT_DROP_CONNECTION = 6;

    static native int soter_abi_version();
    static native long soter_version();
    static native long soter_status_name(int status);
    static native int soter_error_status(long err);
    static native long soter_error_message(long err);
    static native byte soter_error_errcode(long err, long[] errcode);
    static native long soter_error_errmsg(long err);
    static native void soter_error_free(long err);
    static native void soter_string_free(long s);
    static native int soter_api_security_new(byte[] appid, long appidLen, byte[] symKey, long symKeyLen, byte[] symSn, long symSnLen, byte[] appPrivateKey, long appPrivateKeyLen, byte[] appKeySn, long appKeySnLen, long[] out, long[] err);
    static native int soter_api_security_with_platform_cert(long sec, byte[] number, long numberLen, byte[] pem, long pemLen, long[] out, long[] err);
    static native int soter_api_security_with_path(long sec, byte[] path, long pathLen, long[] out, long[] err);
    static native byte soter_api_security_seals(long sec, byte[] path, long pathLen);
    static native void soter_api_security_free(long sec);
    static native int soter_api_security_seal(long sec, byte[] url, long urlLen, byte[] params, long paramsLen, long timestamp, byte[] nonce, long nonceLen, byte[] iv12, long[] body, long[] bodyLen, long[] headersJson, long[] headersJsonLen, long[] err);
    static native int soter_api_security_open(long sec, byte[] url, long urlLen, byte[] body, long bodyLen, byte[] headersJson, long headersJsonLen, long now, long[] out, long[] outLen, long[] err);
    static native int soter_verify_ask_chain(byte[] chain, long chainLen, Pointer roots, long rootsCount, byte hasAt, long at, long[] out, long[] err);
    static native int soter_verify_ask_chain_certs(Pointer certs, long certsCount, Pointer roots, long rootsCount, byte hasAt, long at, long[] out, long[] err);
    static native int soter_ask_from_stored(long publicKey, byte[] cpuId, long cpuIdLen, byte[] uid, long uidLen, long counter, int rsaPssSaltlen, int format, long[] out, long[] err);
    static native void soter_ask_free(long ask);
    static native int soter_ask_public_key(long ask, long[] out, long[] err);
    static native int soter_ask_cpu_id(long ask, long[] ptr, long[] len);
    static native int soter_ask_uid(long ask, long[] ptr, long[] len);
    static native int soter_ask_signed_json(long ask, long[] ptr, long[] len);
    static native long soter_ask_counter(long ask);
    static native int soter_ask_salt_len(long ask);
    static native int soter_ask_format(long ask);
    static native long soter_ask_subject_count(long ask);
    static native int soter_ask_subject(long ask, long index, long[] ptr, long[] len);
    static native byte soter_ask_root_spki_sha256(long ask, byte[] out32);
    static native int soter_verify_auth_key_with_ask(long ask, byte[] authKeyJson, long authKeyJsonLen, byte[] signature, long signatureLen, long[] out, long[] err);
    static native int soter_verify_key_attestation(Pointer certs, long certsCount, Pointer roots, long rootsCount, byte hasAt, long at, byte[] revocations, long revocationsLen, long[] out, long[] err);
    static native void soter_key_attestation_free(long attestation);
    static native int soter_key_attestation_json(long attestation, long[] ptr, long[] len);
    static native int soter_key_attestation_challenge(long attestation, long[] ptr, long[] len);
    static native int soter_key_attestation_public_key(long attestation, long[] ptr, long[] len);
    static native int soter_key_attestation_security_level(long attestation);
    static native int soter_key_attestation_keymint_security_level(long attestation);
    static native long soter_key_attestation_version(long attestation);
    static native int soter_verify_ask_chain_policy(byte[] chain, long chainLen, Pointer roots, long rootsCount, byte hasAt, long at, int policyFlags, byte[] revocations, long revocationsLen, long[] out, long[] err);
    static native int soter_key_load(byte[] data, long len, long[] out, long[] err);
    static native void soter_key_free(long key);
    static native int soter_key_bits(long key);
    static native byte soter_key_equal(long a, long b);
    static native int soter_key_to_pem(long key, long[] out, long[] outLen, long[] err);
    static native int soter_key_verify(long key, byte[] message, long messageLen, byte[] signature, long signatureLen, int saltLen, int[] outSaltLen, long[] err);
    static native int soter_result_json_parse(byte[] data, long len, long[] out, long[] err);
    static native int soter_result_json_parse_packed(byte[] data, long len, byte[] buf, long cap, long[] packedLen, long[] err);
    static native void soter_result_json_free(long result);
    static native int soter_result_json_get(long result, int field, long[] ptr, long[] len);
    static native long soter_result_json_counter(long result);
    static native int soter_result_json_salt_len(long result);
    static native long soter_result_json_extra_count(long result);
    static native int soter_result_json_extra(long result, long index, long[] name, long[] nameLen, long[] value, long[] valueLen);
    static native long soter_result_json_pack(long result, byte[] buf, long cap);
    static native int soter_authenticate(long key, byte[] resultJson, long resultJsonLen, byte[] signature, long signatureLen, Pointer expect, long[] out, long[] err);
    static native int soter_authenticate_packed(long key, byte[] resultJson, long resultJsonLen, byte[] signature, long signatureLen, Pointer expect, byte[] buf, long cap, long[] packedLen, long[] err);
    static native int soter_authenticate_io(long key, byte[] input, byte[] out, long[] err);
    static native int soter_result_json_parse_io(byte[] input, byte[] out, long[] err);
    static native int soter_verify_auth_key(long ask, byte[] authKeyJson, long authKeyJsonLen, byte[] signature, long signatureLen, long[] out, long[] err);
    static native int soter_verify_auth_key_packed(long ask, byte[] authKeyJson, long authKeyJsonLen, byte[] signature, long signatureLen, long[] keyOut, byte[] buf, long cap, long[] packedLen, long[] err);
    static native void soter_auth_key_free(long authKey);
    static native int soter_auth_key_public_key(long authKey, long[] out, long[] err);
    static native int soter_auth_key_get(long authKey, int field, long[] ptr, long[] len);
    static native long soter_auth_key_pack(long authKey, byte[] buf, long cap);
    static native long soter_auth_key_counter(long authKey);
    static native int soter_new_challenge(byte[] buf, long cap, long[] outLen, long[] err);
    static native void soter_guard_options_init(Pointer opts);
    static native int soter_replay_guard_new_memory(Pointer opts, long[] out, long[] err);
    static native int soter_replay_guard_new_redis(byte[] url, long urlLen, Pointer opts, long[] out, long[] err);
    static native int soter_replay_guard_new_redis_cluster(Pointer urls, long[] urlLens, long count, Pointer opts, long[] out, long[] err);
    static native int soter_replay_guard_new_redis_sentinel(Pointer urls, long[] urlLens, long count, byte[] serviceName, long serviceNameLen, Pointer sopts, Pointer opts, long[] out, long[] err);
    static native int soter_replay_guard_ping(long g, long[] err);
    static native void soter_replay_guard_free(long g);
    static native int soter_replay_guard_describe(long g, long[] out, long[] outLen, long[] err);
    static native int soter_replay_guard_issue_challenge(long g, byte[] subject, long subjectLen, long ttlMs, byte[] buf, long cap, long[] outLen, long[] err);
    static native int soter_replay_guard_authenticate(long g, long key, byte[] resultJson, long resultJsonLen, byte[] signature, long signatureLen, Pointer subject, long[] out, long[] err);
    static native int soter_replay_guard_accept(long g, byte[] resultJson, long resultJsonLen, Pointer subject, long[] out, long[] err);
    static native int soter_replay_guard_authenticate_via_wechat(long g, long client, byte[] openid, long openidLen, byte[] resultJson, long resultJsonLen, byte[] signature, long signatureLen, Pointer subject, long[] out, long[] err);
    static native int soter_replay_guard_last_counter(long g, byte[] subject, long subjectLen, byte[] cpuId, long cpuIdLen, byte[] uid, long uidLen, byte[] found, long[] counter, long[] err);
    static native int soter_replay_guard_face_get_info(long g, long client, byte[] verifyResult, long verifyResultLen, byte[] subject, long subjectLen, int maxAgeS, long[] out, long[] err);
    static native int soter_replay_guard_face_start(long g, long client, byte[] subject, long subjectLen, Pointer certInfo, byte[] outSeqNo, long outSeqNoLen, int ttlS, long[] verifyId, long[] expiresIn, long[] err);
    static native int soter_replay_guard_face_finish(long g, long client, byte[] verifyId, long verifyIdLen, byte[] subject, long subjectLen, Pointer certInfo, Pointer out, long[] err);
    static native int soter_set_log_callback(Pointer callback, Pointer userData, int maxLevel, long[] err);
    static native int soter_set_log_level(int maxLevel, long[] err);
    static native int soter_log_level();
    static native long soter_log_level_name(int level);
    static native void soter_client_options_init(Pointer opts);
    static native int soter_wechat_client_new(byte[] appid, long appidLen, byte[] secret, long secretLen, Pointer opts, long[] out, long[] err);
    static native void soter_wechat_client_free(long client);
    static native int soter_wechat_client_set_fixed_token(long client, byte[] token, long tokenLen, long[] err);
    static native void soter_wechat_client_clear_token(long client);
    static native int soter_wechat_client_stats(long client, Pointer out, long[] err);
    static native int soter_wechat_soter_verify_signature(long client, byte[] openid, long openidLen, byte[] jsonString, long jsonStringLen, byte[] jsonSignature, long jsonSignatureLen, byte[] isOk, long[] err);
    static native int soter_wechat_face_get_info(long client, byte[] verifyResult, long verifyResultLen, long[] out, long[] err);
    static native void soter_face_info_free(long info);
    static native byte soter_face_info_passed(long info);
    static native byte soter_face_info_matches_person(long info, byte[] name, long nameLen, byte[] idNumber, long idNumberLen);
    static native byte soter_face_info_get(long info, int field, long[] ptr, long[] len);
    static native byte soter_face_info_number(long info, int field, long[] out);
    static native int soter_cert_hash(Pointer certInfo, byte[] buf, long cap, long[] err);
    static native int soter_wechat_face_get_verify_id(long client, byte[] outSeqNo, long outSeqNoLen, Pointer certInfo, byte[] openid, long openidLen, long[] verifyId, long[] expiresIn, long[] err);
    static native int soter_wechat_face_query_verify_info(long client, byte[] verifyId, long verifyIdLen, byte[] outSeqNo, long outSeqNoLen, Pointer certInfo, byte[] openid, long openidLen, Pointer out, long[] err);
    static native long soter_verify_outcome_name(int outcome);
    static native int soter_wechat_soter_verify_ask(long client, byte[] askJson, long askJsonLen, byte[] askJsonSignature, long askJsonSignatureLen, long[] out, long[] err);
    static native int soter_wechat_soter_is_support(long client, byte[] modelKey, long modelKeyLen, byte[] isSupport, int[] supportType, long[] err);
}
