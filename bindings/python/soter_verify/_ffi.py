# generated from include/soter_verify.h by make generate; do not edit
"""The C ABI of libsoter_verify as ctypes declarations (private).

Every #define, enum, struct, callback type and function of include/soter_verify.h,
written by tools/generate/generate.py. ``_native`` applies ``SIGNATURES`` to the loaded
library; the other modules read the constants and structs from here."""

from __future__ import annotations

import ctypes
from ctypes import (
    POINTER,
    c_bool,
    c_char,
    c_char_p,
    c_int16,
    c_int32,
    c_int64,
    c_int8,
    c_size_t,
    c_ssize_t,
    c_uint16,
    c_uint32,
    c_uint64,
    c_uint8,
    c_void_p,
)
from typing import Any, Final

# ---- #define ----
ABI_VERSION: Final = 3
ASK_FORMAT_CLASSIC: Final = 0
ASK_FORMAT_CERTIFICATE_CHAIN: Final = 1
SECURITY_LEVEL_SOFTWARE: Final = 0
SECURITY_LEVEL_TEE: Final = 1
SECURITY_LEVEL_STRONGBOX: Final = 2
POLICY_ALLOW_SOFTWARE: Final = 1
POLICY_ANY_ORIGIN: Final = 2
POLICY_ANY_PURPOSE: Final = 4
SALT_LEN_DEFAULT: Final = -1
SALT_LEN_AUTO: Final = -2
CHALLENGE_LEN: Final = 43
IO_CPU_ID: Final = 1
IO_UID: Final = 2
IO_MIN_COUNTER: Final = 4
GUARD_DEFAULT_MAX_CHALLENGES: Final = 100000
GUARD_DEFAULT_MAX_DEVICES: Final = 1000000
GUARD_DEFAULT_TIMEOUT_MS: Final = 1000
GUARD_MAX_TIMEOUT_MS: Final = 3600000
GUARD_DEFAULT_MAX_CHALLENGES_PER_SUBJECT: Final = 16
GUARD_DEFAULT_FACE_MAX_AGE_S: Final = 600
GUARD_DEFAULT_FACE_TTL_S: Final = 3600
LOG_OFF: Final = 0
LOG_ERROR: Final = 1
LOG_WARN: Final = 2
LOG_INFO: Final = 3
LOG_DEBUG: Final = 4
LOG_TRACE: Final = 5
TEST_CHAIN_NO_ATTESTATION: Final = 1
CERT_HASH_LEN: Final = 64

# ---- enum SoterStatus ----
STATUS_OK: Final = 0
STATUS_INVALID_ARGUMENT: Final = 1
STATUS_INVALID_INPUT: Final = 2
STATUS_INPUT_TOO_LARGE: Final = 3
STATUS_INVALID_KEY: Final = 4
STATUS_KEY_TOO_SMALL: Final = 5
STATUS_UNSUPPORTED_KEY: Final = 6
STATUS_MALFORMED_SIGNATURE: Final = 7
STATUS_INVALID_JSON: Final = 8
STATUS_DUPLICATE_FIELD: Final = 9
STATUS_SIGNATURE_INVALID: Final = 10
STATUS_CHALLENGE_MISMATCH: Final = 11
STATUS_DEVICE_MISMATCH: Final = 12
STATUS_COUNTER_REPLAY: Final = 13
STATUS_NETWORK: Final = 14
STATUS_TIMEOUT: Final = 15
STATUS_WECHAT_API: Final = 16
STATUS_TOKEN: Final = 17
STATUS_MALFORMED_RESPONSE: Final = 18
STATUS_CONFIG: Final = 19
STATUS_STORE_UNAVAILABLE: Final = 20
STATUS_CERTIFICATE_INVALID: Final = 21
STATUS_UNTRUSTED_ROOT: Final = 22
STATUS_CERTIFICATE_REVOKED: Final = 23
STATUS_INTERNAL: Final = 99
#: ``SoterStatus`` values by their name without ``SOTER_STATUS_``.
SoterStatus: Final[dict[str, int]] = {
    "OK": 0,
    "INVALID_ARGUMENT": 1,
    "INVALID_INPUT": 2,
    "INPUT_TOO_LARGE": 3,
    "INVALID_KEY": 4,
    "KEY_TOO_SMALL": 5,
    "UNSUPPORTED_KEY": 6,
    "MALFORMED_SIGNATURE": 7,
    "INVALID_JSON": 8,
    "DUPLICATE_FIELD": 9,
    "SIGNATURE_INVALID": 10,
    "CHALLENGE_MISMATCH": 11,
    "DEVICE_MISMATCH": 12,
    "COUNTER_REPLAY": 13,
    "NETWORK": 14,
    "TIMEOUT": 15,
    "WECHAT_API": 16,
    "TOKEN": 17,
    "MALFORMED_RESPONSE": 18,
    "CONFIG": 19,
    "STORE_UNAVAILABLE": 20,
    "CERTIFICATE_INVALID": 21,
    "UNTRUSTED_ROOT": 22,
    "CERTIFICATE_REVOKED": 23,
    "INTERNAL": 99,
}

# ---- enum SoterVerifyOutcome ----
VERIFY_OUTCOME_PASSED: Final = 0
VERIFY_OUTCOME_USER_CANCELLED: Final = 1
VERIFY_OUTCOME_DEVICE_UNSUPPORTED: Final = 2
VERIFY_OUTCOME_NETWORK_ERROR: Final = 3
VERIFY_OUTCOME_PERMISSION_DENIED: Final = 4
VERIFY_OUTCOME_INVALID_FACE_DATA: Final = 5
VERIFY_OUTCOME_TIMEOUT: Final = 6
VERIFY_OUTCOME_SYSTEM_ERROR: Final = 7
VERIFY_OUTCOME_OTHER: Final = 8
#: ``SoterVerifyOutcome`` values by their name without ``SOTER_VERIFY_OUTCOME_``.
SoterVerifyOutcome: Final[dict[str, int]] = {
    "PASSED": 0,
    "USER_CANCELLED": 1,
    "DEVICE_UNSUPPORTED": 2,
    "NETWORK_ERROR": 3,
    "PERMISSION_DENIED": 4,
    "INVALID_FACE_DATA": 5,
    "TIMEOUT": 6,
    "SYSTEM_ERROR": 7,
    "OTHER": 8,
}

# ---- enum SoterField ----
FIELD_RAW: Final = 0
FIELD_FID: Final = 1
FIELD_TEE_N: Final = 2
FIELD_TEE_V: Final = 3
FIELD_FP_N: Final = 4
FIELD_FP_V: Final = 5
FIELD_CPU_ID: Final = 6
FIELD_UID: Final = 7
FIELD_PUB_KEY: Final = 8
#: ``SoterField`` values by their name without ``SOTER_FIELD_``.
SoterField: Final[dict[str, int]] = {
    "RAW": 0,
    "FID": 1,
    "TEE_N": 2,
    "TEE_V": 3,
    "FP_N": 4,
    "FP_V": 5,
    "CPU_ID": 6,
    "UID": 7,
    "PUB_KEY": 8,
}

# ---- enum SoterTokenSource ----
TOKEN_SOURCE_STABLE: Final = 0
TOKEN_SOURCE_CLASSIC: Final = 1
TOKEN_SOURCE_FIXED: Final = 2
TOKEN_SOURCE_CALLBACK: Final = 3
TOKEN_SOURCE_CLOUD_OPEN_API: Final = 4
TOKEN_SOURCE_CLOUDBASE_FILE: Final = 5
#: ``SoterTokenSource`` values by their name without ``SOTER_TOKEN_SOURCE_``.
SoterTokenSource: Final[dict[str, int]] = {
    "STABLE": 0,
    "CLASSIC": 1,
    "FIXED": 2,
    "CALLBACK": 3,
    "CLOUD_OPEN_API": 4,
    "CLOUDBASE_FILE": 5,
}

# ---- enum SoterFaceField ----
FACE_FIELD_ERRMSG: Final = 0
FACE_FIELD_VALIDATE_DATA: Final = 1
FACE_FIELD_OPENID: Final = 2
FACE_FIELD_USER_ID_KEY: Final = 3
FACE_FIELD_ID_CARD_NUMBER_MD5: Final = 4
FACE_FIELD_NAME_UTF8_MD5: Final = 5
#: ``SoterFaceField`` values by their name without ``SOTER_FACE_FIELD_``.
SoterFaceField: Final[dict[str, int]] = {
    "ERRMSG": 0,
    "VALIDATE_DATA": 1,
    "OPENID": 2,
    "USER_ID_KEY": 3,
    "ID_CARD_NUMBER_MD5": 4,
    "NAME_UTF8_MD5": 5,
}

# ---- enum SoterFaceNumber ----
FACE_NUMBER_ERRCODE: Final = 0
FACE_NUMBER_IDENTIFY_RET: Final = 1
FACE_NUMBER_IDENTIFY_TIME: Final = 2
FACE_NUMBER_FINISH_TIME: Final = 3
#: ``SoterFaceNumber`` values by their name without ``SOTER_FACE_NUMBER_``.
SoterFaceNumber: Final[dict[str, int]] = {
    "ERRCODE": 0,
    "IDENTIFY_RET": 1,
    "IDENTIFY_TIME": 2,
    "FINISH_TIME": 3,
}

# ---- enum SoterFault ----
FAULT_SYSTEM_BUSY: Final = 0
FAULT_INVALID_TOKEN: Final = 1
FAULT_EXPIRED_TOKEN: Final = 2
FAULT_HTTP500: Final = 3
FAULT_DELAY: Final = 4
FAULT_MALFORMED_BODY: Final = 5
FAULT_DROP_CONNECTION: Final = 6
#: ``SoterFault`` values by their name without ``SOTER_FAULT_``.
SoterFault: Final[dict[str, int]] = {
    "SYSTEM_BUSY": 0,
    "INVALID_TOKEN": 1,
    "EXPIRED_TOKEN": 2,
    "HTTP500": 3,
    "DELAY": 4,
    "MALFORMED_BODY": 5,
    "DROP_CONNECTION": 6,
}


# ---- callback types ----
#: ``void (*)(void * user_data, int32_t level, const char * message, size_t message_len)``
SoterLogCallback = ctypes.CFUNCTYPE(None, c_void_p, c_int32, c_void_p, c_size_t)
#: ``int32_t (*)(void * user_data, bool force_refresh, uint8_t * buf, size_t cap, size_t * len, int64_t * expires_in)``
SoterTokenCallback = ctypes.CFUNCTYPE(c_int32, c_void_p, c_bool, POINTER(c_uint8), c_size_t, POINTER(c_size_t), POINTER(c_int64))


class SoterBytes(ctypes.Structure):
    """``SoterBytes``."""

    _fields_ = [
        ("data", c_char_p),
        ("len", c_size_t),
    ]


class SoterExpectations(ctypes.Structure):
    """``SoterExpectations``."""

    _fields_ = [
        ("challenge", c_char_p),
        ("challenge_len", c_size_t),
        ("cpu_id", c_char_p),
        ("cpu_id_len", c_size_t),
        ("uid", c_char_p),
        ("uid_len", c_size_t),
        ("has_min_counter", c_bool),
        ("min_counter", c_uint64),
        ("salt_len", c_int32),
    ]


class SoterEmulatorOptions(ctypes.Structure):
    """``SoterEmulatorOptions``."""

    _fields_ = [
        ("listen", c_char_p),
        ("listen_len", c_size_t),
        ("token_lifetime_s", c_uint32),
        ("open_api", c_bool),
        ("api_security", c_bool),
    ]


class SoterEmulatorCounters(ctypes.Structure):
    """``SoterEmulatorCounters``."""

    _fields_ = [
        ("total_requests", c_uint64),
        ("token_requests", c_uint64),
        ("token_issues", c_uint64),
        ("verify_signature_requests", c_uint64),
        ("connections", c_uint64),
        ("faults_applied", c_uint64),
    ]


class SoterGuardOptions(ctypes.Structure):
    """``SoterGuardOptions``."""

    _fields_ = [
        ("prefix", c_char_p),
        ("prefix_len", c_size_t),
        ("timeout_ms", c_uint32),
        ("tls_ca_pem", c_char_p),
        ("tls_ca_pem_len", c_size_t),
        ("max_challenges", c_uint64),
        ("max_devices", c_uint64),
        ("wait_replicas", c_uint32),
        ("max_challenges_per_subject", c_uint32),
    ]


class SoterSentinelOptions(ctypes.Structure):
    """``SoterSentinelOptions``."""

    _fields_ = [
        ("password", c_char_p),
        ("password_len", c_size_t),
        ("sentinel_password", c_char_p),
        ("sentinel_password_len", c_size_t),
        ("db", c_int64),
    ]


class SoterGuardSubject(ctypes.Structure):
    """``SoterGuardSubject``."""

    _fields_ = [
        ("subject", c_char_p),
        ("subject_len", c_size_t),
        ("cpu_id", c_char_p),
        ("cpu_id_len", c_size_t),
        ("uid", c_char_p),
        ("uid_len", c_size_t),
    ]


class SoterCertInfo(ctypes.Structure):
    """``SoterCertInfo``."""

    _fields_ = [
        ("cert_type", c_char_p),
        ("cert_type_len", c_size_t),
        ("cert_name", c_char_p),
        ("cert_name_len", c_size_t),
        ("cert_no", c_char_p),
        ("cert_no_len", c_size_t),
    ]


class SoterVerifyInfo(ctypes.Structure):
    """``SoterVerifyInfo``."""

    _fields_ = [
        ("verify_ret", c_int64),
        ("outcome", c_int32),
        ("passed", c_bool),
    ]


class SoterClientOptions(ctypes.Structure):
    """``SoterClientOptions``."""

    _fields_ = [
        ("base_url", c_char_p),
        ("base_url_len", c_size_t),
        ("allow_insecure_http", c_bool),
        ("connect_timeout_ms", c_uint32),
        ("timeout_ms", c_uint32),
        ("attempt_timeout_ms", c_uint32),
        ("proxy", c_char_p),
        ("proxy_len", c_size_t),
        ("max_attempts", c_uint32),
        ("backoff_base_ms", c_uint32),
        ("backoff_max_ms", c_uint32),
        ("max_response_size", c_uint64),
        ("refresh_margin_s", c_uint32),
        ("token_source", c_int32),
        ("fixed_token", c_char_p),
        ("fixed_token_len", c_size_t),
        ("token_file", c_char_p),
        ("token_file_len", c_size_t),
        ("token_callback", SoterTokenCallback),
        ("token_callback_user_data", c_void_p),
        ("token_retry_max_ms", c_uint32),
        ("max_idle_connections", c_uint32),
        ("api_security", c_void_p),
    ]


class SoterClientStats(ctypes.Structure):
    """``SoterClientStats``."""

    _fields_ = [
        ("http_requests", c_uint64),
        ("retries", c_uint64),
        ("token_fetches", c_uint64),
        ("token_retries", c_uint64),
    ]


class SoterAuthenticateIn(ctypes.Structure):
    """``SoterAuthenticateIn``."""

    _fields_ = [
        ("min_counter", c_uint64),
        ("out_cap", c_uint32),
        ("result_json_len", c_uint32),
        ("signature_len", c_uint32),
        ("challenge_len", c_uint32),
        ("cpu_id_len", c_uint32),
        ("uid_len", c_uint32),
        ("salt_len", c_int32),
        ("flags", c_uint32),
    ]


class SoterParseIn(ctypes.Structure):
    """``SoterParseIn``."""

    _fields_ = [
        ("out_cap", c_uint32),
        ("data_len", c_uint32),
    ]


#: name: (restype, argtypes) of every exported function.
SIGNATURES: Final[dict[str, tuple[Any, list[Any]]]] = {
    "soter_abi_version": (c_uint32, []),
    "soter_version": (c_void_p, []),
    "soter_status_name": (c_void_p, [c_int32]),
    "soter_error_status": (c_int32, [c_void_p]),
    "soter_error_message": (c_void_p, [c_void_p]),
    "soter_error_errcode": (c_bool, [c_void_p, c_void_p]),
    "soter_error_errmsg": (c_void_p, [c_void_p]),
    "soter_error_free": (None, [c_void_p]),
    "soter_string_free": (None, [c_void_p]),
    "soter_api_security_new": (c_int32, [c_char_p, c_size_t, c_char_p, c_size_t, c_char_p, c_size_t, c_char_p, c_size_t, c_char_p, c_size_t, c_void_p, c_void_p]),
    "soter_api_security_with_platform_cert": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_void_p, c_void_p]),
    "soter_api_security_with_path": (c_int32, [c_void_p, c_char_p, c_size_t, c_void_p, c_void_p]),
    "soter_api_security_seals": (c_bool, [c_void_p, c_char_p, c_size_t]),
    "soter_api_security_free": (None, [c_void_p]),
    "soter_api_security_seal": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_int64, c_char_p, c_size_t, c_char_p, c_void_p, c_void_p, c_void_p, c_void_p, c_void_p]),
    "soter_api_security_open": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_char_p, c_size_t, c_int64, c_void_p, c_void_p, c_void_p]),
    "soter_verify_ask_chain": (c_int32, [c_char_p, c_size_t, c_void_p, c_size_t, c_bool, c_int64, c_void_p, c_void_p]),
    "soter_verify_ask_chain_certs": (c_int32, [c_void_p, c_size_t, c_void_p, c_size_t, c_bool, c_int64, c_void_p, c_void_p]),
    "soter_ask_from_stored": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_uint64, c_int32, c_int32, c_void_p, c_void_p]),
    "soter_ask_free": (None, [c_void_p]),
    "soter_ask_public_key": (c_int32, [c_void_p, c_void_p, c_void_p]),
    "soter_ask_cpu_id": (c_int32, [c_void_p, c_void_p, c_void_p]),
    "soter_ask_uid": (c_int32, [c_void_p, c_void_p, c_void_p]),
    "soter_ask_signed_json": (c_int32, [c_void_p, c_void_p, c_void_p]),
    "soter_ask_counter": (c_uint64, [c_void_p]),
    "soter_ask_salt_len": (c_int32, [c_void_p]),
    "soter_ask_format": (c_int32, [c_void_p]),
    "soter_ask_subject_count": (c_size_t, [c_void_p]),
    "soter_ask_subject": (c_int32, [c_void_p, c_size_t, c_void_p, c_void_p]),
    "soter_ask_root_spki_sha256": (c_bool, [c_void_p, c_void_p]),
    "soter_verify_auth_key_with_ask": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_void_p, c_void_p]),
    "soter_verify_key_attestation": (c_int32, [c_void_p, c_size_t, c_void_p, c_size_t, c_bool, c_int64, c_char_p, c_size_t, c_void_p, c_void_p]),
    "soter_key_attestation_free": (None, [c_void_p]),
    "soter_key_attestation_json": (c_int32, [c_void_p, c_void_p, c_void_p]),
    "soter_key_attestation_challenge": (c_int32, [c_void_p, c_void_p, c_void_p]),
    "soter_key_attestation_public_key": (c_int32, [c_void_p, c_void_p, c_void_p]),
    "soter_key_attestation_security_level": (c_int32, [c_void_p]),
    "soter_key_attestation_keymint_security_level": (c_int32, [c_void_p]),
    "soter_key_attestation_version": (c_int64, [c_void_p]),
    "soter_verify_ask_chain_policy": (c_int32, [c_char_p, c_size_t, c_void_p, c_size_t, c_bool, c_int64, c_uint32, c_char_p, c_size_t, c_void_p, c_void_p]),
    "soter_key_load": (c_int32, [c_char_p, c_size_t, c_void_p, c_void_p]),
    "soter_key_free": (None, [c_void_p]),
    "soter_key_bits": (c_uint32, [c_void_p]),
    "soter_key_equal": (c_bool, [c_void_p, c_void_p]),
    "soter_key_to_pem": (c_int32, [c_void_p, c_void_p, c_void_p, c_void_p]),
    "soter_key_verify": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_int32, c_void_p, c_void_p]),
    "soter_result_json_parse": (c_int32, [c_char_p, c_size_t, c_void_p, c_void_p]),
    "soter_result_json_parse_packed": (c_int32, [c_char_p, c_size_t, c_void_p, c_size_t, c_void_p, c_void_p]),
    "soter_result_json_free": (None, [c_void_p]),
    "soter_result_json_get": (c_int32, [c_void_p, c_int32, c_void_p, c_void_p]),
    "soter_result_json_counter": (c_uint64, [c_void_p]),
    "soter_result_json_salt_len": (c_int32, [c_void_p]),
    "soter_result_json_extra_count": (c_size_t, [c_void_p]),
    "soter_result_json_extra": (c_int32, [c_void_p, c_size_t, c_void_p, c_void_p, c_void_p, c_void_p]),
    "soter_result_json_pack": (c_size_t, [c_void_p, c_void_p, c_size_t]),
    "soter_authenticate": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_void_p, c_void_p, c_void_p]),
    "soter_authenticate_packed": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_void_p, c_void_p, c_size_t, c_void_p, c_void_p]),
    "soter_authenticate_io": (c_int32, [c_void_p, c_char_p, c_void_p, c_void_p]),
    "soter_result_json_parse_io": (c_int32, [c_char_p, c_void_p, c_void_p]),
    "soter_verify_auth_key": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_void_p, c_void_p]),
    "soter_verify_auth_key_packed": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_void_p, c_void_p, c_size_t, c_void_p, c_void_p]),
    "soter_auth_key_free": (None, [c_void_p]),
    "soter_auth_key_public_key": (c_int32, [c_void_p, c_void_p, c_void_p]),
    "soter_auth_key_get": (c_int32, [c_void_p, c_int32, c_void_p, c_void_p]),
    "soter_auth_key_pack": (c_size_t, [c_void_p, c_void_p, c_size_t]),
    "soter_auth_key_counter": (c_uint64, [c_void_p]),
    "soter_new_challenge": (c_int32, [c_void_p, c_size_t, c_void_p, c_void_p]),
    "soter_emulator_start": (c_int32, [c_char_p, c_size_t, c_char_p, c_size_t, c_void_p, c_void_p, c_void_p]),
    "soter_emulator_api_security": (c_int32, [c_void_p, c_void_p, c_void_p]),
    "soter_emulator_stop": (None, [c_void_p]),
    "soter_emulator_free": (None, [c_void_p]),
    "soter_emulator_base_url": (c_void_p, [c_void_p]),
    "soter_emulator_register_device": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_void_p]),
    "soter_emulator_register_person": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_char_p, c_size_t, c_int64, c_int64, c_void_p]),
    "soter_emulator_issue_verify_result": (c_int32, [c_void_p, c_char_p, c_size_t, c_void_p, c_void_p]),
    "soter_emulator_set_reusable_tickets": (None, [c_void_p, c_bool]),
    "soter_emulator_inject_fault": (c_int32, [c_void_p, c_int32, c_int64, c_uint32, c_char_p, c_size_t, c_void_p]),
    "soter_emulator_clear_faults": (None, [c_void_p]),
    "soter_emulator_counters": (c_int32, [c_void_p, c_void_p, c_void_p]),
    "soter_emulator_requests_to": (c_uint64, [c_void_p, c_char_p, c_size_t]),
    "soter_emulator_reset_counters": (None, [c_void_p]),
    "soter_emulator_add_token": (c_int32, [c_void_p, c_char_p, c_size_t, c_uint32, c_void_p]),
    "soter_emulator_expire_tokens": (None, [c_void_p]),
    "soter_emulator_register_attk": (c_int32, [c_void_p, c_char_p, c_size_t, c_void_p]),
    "soter_emulator_register_model": (c_int32, [c_void_p, c_char_p, c_size_t, c_uint32, c_void_p]),
    "soter_guard_options_init": (None, [c_void_p]),
    "soter_replay_guard_new_memory": (c_int32, [c_void_p, c_void_p, c_void_p]),
    "soter_replay_guard_new_redis": (c_int32, [c_char_p, c_size_t, c_void_p, c_void_p, c_void_p]),
    "soter_replay_guard_new_redis_cluster": (c_int32, [c_void_p, c_void_p, c_size_t, c_void_p, c_void_p, c_void_p]),
    "soter_replay_guard_new_redis_sentinel": (c_int32, [c_void_p, c_void_p, c_size_t, c_char_p, c_size_t, c_void_p, c_void_p, c_void_p, c_void_p]),
    "soter_replay_guard_ping": (c_int32, [c_void_p, c_void_p]),
    "soter_replay_guard_free": (None, [c_void_p]),
    "soter_replay_guard_describe": (c_int32, [c_void_p, c_void_p, c_void_p, c_void_p]),
    "soter_replay_guard_issue_challenge": (c_int32, [c_void_p, c_char_p, c_size_t, c_uint64, c_void_p, c_size_t, c_void_p, c_void_p]),
    "soter_replay_guard_authenticate": (c_int32, [c_void_p, c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_void_p, c_void_p, c_void_p]),
    "soter_replay_guard_accept": (c_int32, [c_void_p, c_char_p, c_size_t, c_void_p, c_void_p, c_void_p]),
    "soter_replay_guard_authenticate_via_wechat": (c_int32, [c_void_p, c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_char_p, c_size_t, c_void_p, c_void_p, c_void_p]),
    "soter_replay_guard_last_counter": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_char_p, c_size_t, c_void_p, c_void_p, c_void_p]),
    "soter_replay_guard_face_get_info": (c_int32, [c_void_p, c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_uint32, c_void_p, c_void_p]),
    "soter_replay_guard_face_start": (c_int32, [c_void_p, c_void_p, c_char_p, c_size_t, c_void_p, c_char_p, c_size_t, c_uint32, c_void_p, c_void_p, c_void_p]),
    "soter_replay_guard_face_finish": (c_int32, [c_void_p, c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_void_p, c_void_p, c_void_p]),
    "soter_set_log_callback": (c_int32, [SoterLogCallback, c_void_p, c_int32, c_void_p]),
    "soter_set_log_level": (c_int32, [c_int32, c_void_p]),
    "soter_log_level": (c_int32, []),
    "soter_log_level_name": (c_void_p, [c_int32]),
    "soter_test_key_pair_generate": (c_int32, [c_uint32, c_void_p, c_void_p]),
    "soter_test_key_pair_free": (None, [c_void_p]),
    "soter_test_key_pair_public_key_pem": (c_int32, [c_void_p, c_void_p, c_void_p, c_void_p]),
    "soter_device_new": (c_int32, [c_uint32, c_void_p, c_void_p]),
    "soter_device_free": (None, [c_void_p]),
    "soter_device_cpu_id": (c_void_p, [c_void_p]),
    "soter_device_uid": (c_void_p, [c_void_p]),
    "soter_device_public_key_pem": (c_int32, [c_void_p, c_void_p, c_void_p, c_void_p]),
    "soter_device_sign_result": (c_int32, [c_void_p, c_char_p, c_size_t, c_uint32, c_void_p, c_void_p, c_void_p, c_void_p, c_void_p]),
    "soter_device_signed_auth_key": (c_int32, [c_void_p, c_void_p, c_void_p, c_void_p, c_void_p, c_void_p, c_void_p]),
    "soter_test_root_generate": (c_int32, [c_void_p, c_void_p]),
    "soter_test_root_free": (None, [c_void_p]),
    "soter_test_root_pem": (c_int32, [c_void_p, c_void_p, c_void_p, c_void_p]),
    "soter_device_classic_ask": (c_int32, [c_void_p, c_void_p, c_void_p, c_void_p, c_void_p, c_void_p, c_void_p, c_void_p]),
    "soter_device_ask_chain": (c_int32, [c_void_p, c_void_p, c_void_p, c_uint32, c_int32, c_void_p, c_void_p, c_void_p]),
    "soter_device_signed_auth_key_with_salt": (c_int32, [c_void_p, c_void_p, c_uint32, c_void_p, c_void_p, c_void_p, c_void_p, c_void_p]),
    "soter_client_options_init": (None, [c_void_p]),
    "soter_wechat_client_new": (c_int32, [c_char_p, c_size_t, c_char_p, c_size_t, c_void_p, c_void_p, c_void_p]),
    "soter_wechat_client_free": (None, [c_void_p]),
    "soter_wechat_client_set_fixed_token": (c_int32, [c_void_p, c_char_p, c_size_t, c_void_p]),
    "soter_wechat_client_clear_token": (None, [c_void_p]),
    "soter_wechat_client_stats": (c_int32, [c_void_p, c_void_p, c_void_p]),
    "soter_wechat_soter_verify_signature": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_char_p, c_size_t, c_void_p, c_void_p]),
    "soter_wechat_face_get_info": (c_int32, [c_void_p, c_char_p, c_size_t, c_void_p, c_void_p]),
    "soter_face_info_free": (None, [c_void_p]),
    "soter_face_info_passed": (c_bool, [c_void_p]),
    "soter_face_info_matches_person": (c_bool, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t]),
    "soter_face_info_get": (c_bool, [c_void_p, c_int32, c_void_p, c_void_p]),
    "soter_face_info_number": (c_bool, [c_void_p, c_int32, c_void_p]),
    "soter_cert_hash": (c_int32, [c_void_p, c_void_p, c_size_t, c_void_p]),
    "soter_wechat_face_get_verify_id": (c_int32, [c_void_p, c_char_p, c_size_t, c_void_p, c_char_p, c_size_t, c_void_p, c_void_p, c_void_p]),
    "soter_wechat_face_query_verify_info": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_void_p, c_char_p, c_size_t, c_void_p, c_void_p]),
    "soter_verify_outcome_name": (c_void_p, [c_int32]),
    "soter_wechat_soter_verify_ask": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_void_p, c_void_p]),
    "soter_wechat_soter_is_support": (c_int32, [c_void_p, c_char_p, c_size_t, c_void_p, c_void_p, c_void_p]),
}

#: The test-support exports (emulator, simulated devices, test keys and roots).
TESTING: Final[frozenset[str]] = frozenset({
    "soter_emulator_start",
    "soter_emulator_api_security",
    "soter_emulator_stop",
    "soter_emulator_free",
    "soter_emulator_base_url",
    "soter_emulator_register_device",
    "soter_emulator_register_person",
    "soter_emulator_issue_verify_result",
    "soter_emulator_set_reusable_tickets",
    "soter_emulator_inject_fault",
    "soter_emulator_clear_faults",
    "soter_emulator_counters",
    "soter_emulator_requests_to",
    "soter_emulator_reset_counters",
    "soter_emulator_add_token",
    "soter_emulator_expire_tokens",
    "soter_emulator_register_attk",
    "soter_emulator_register_model",
    "soter_test_key_pair_generate",
    "soter_test_key_pair_free",
    "soter_test_key_pair_public_key_pem",
    "soter_device_new",
    "soter_device_free",
    "soter_device_cpu_id",
    "soter_device_uid",
    "soter_device_public_key_pem",
    "soter_device_sign_result",
    "soter_device_signed_auth_key",
    "soter_test_root_generate",
    "soter_test_root_free",
    "soter_test_root_pem",
    "soter_device_classic_ask",
    "soter_device_ask_chain",
    "soter_device_signed_auth_key_with_salt",
})
