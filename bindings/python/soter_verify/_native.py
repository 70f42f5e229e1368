"""Private: locate ``libsoter_verify``, declare every C function used, check the ABI version.

Search order:

1. ``SOTER_VERIFY_LIB``: path of the shared library (or of a directory holding it), for
   development against a library built elsewhere;
2. the library bundled in this package (``soter_verify/lib/libsoter_verify.so``), put there by
   ``pip install``;
3. otherwise ``ImportError`` saying what was tried.

Nothing here is public API; the rest of the package imports ``lib`` and the helpers.
"""

from __future__ import annotations

import ctypes
import os
import sys
from ctypes import (
    POINTER,
    Structure,
    c_bool,
    c_char,
    c_char_p,
    c_int32,
    c_int64,
    c_size_t,
    c_uint32,
    c_uint64,
    c_ubyte,
    c_void_p,
)
from pathlib import Path
from typing import Any, Final, Optional

#: The C ABI version this package was written for (``SOTER_ABI_VERSION`` in the header).
ABI_VERSION: Final = 3
#: ``SOTER_SALT_LEN_DEFAULT``: rsa_pss_saltlen from the signed JSON when present, else 20.
SALT_LEN_DEFAULT: Final = -1
#: ``SOTER_SALT_LEN_AUTO``: accept whatever salt length the signer used.
SALT_LEN_AUTO: Final = -2
#: ``SOTER_CHALLENGE_LEN``.
CHALLENGE_LEN: Final = 43

ENV_VAR: Final = "SOTER_VERIFY_LIB"

if sys.platform == "darwin":  # pragma: no cover - Linux is the supported platform
    LIB_NAME: Final = "libsoter_verify.dylib"
elif sys.platform == "win32":  # pragma: no cover
    LIB_NAME = "soter_verify.dll"
else:
    LIB_NAME = "libsoter_verify.so"

BUNDLED_PATH: Final = Path(__file__).resolve().parent / "lib" / LIB_NAME


# Field numbers of the SoterField enum.
FIELD_RAW: Final = 0
FIELD_FID: Final = 1
FIELD_TEE_N: Final = 2
FIELD_TEE_V: Final = 3
FIELD_FP_N: Final = 4
FIELD_FP_V: Final = 5
FIELD_CPU_ID: Final = 6
FIELD_UID: Final = 7
FIELD_PUB_KEY: Final = 8


class SoterExpectations(Structure):
    """Mirror of ``SoterExpectations`` in soter_verify.h."""

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


# Opaque handles travel as void pointers; out-parameters as pointers to them.
Handle = c_void_p
PHandle = POINTER(c_void_p)
PBytes = POINTER(c_ubyte)  # borrowed (uint8_t *) out-values
PPBytes = POINTER(PBytes)
PSize = POINTER(c_size_t)
PErr = POINTER(c_void_p)  # SoterError **

# name: (restype, argtypes). Data inputs are declared c_char_p so that ``bytes`` pass by
# pointer without a copy; lengths always travel alongside, so embedded NULs are fine.
# Owned strings (char **out) are POINTER(c_char) out-params, never c_char_p return values.
_SIGNATURES: dict[str, tuple[Any, list[Any]]] = {
    "soter_abi_version": (c_uint32, []),
    "soter_version": (c_char_p, []),  # static string, not owned
    "soter_status_name": (c_char_p, [c_int32]),  # static string, not owned
    "soter_error_status": (c_int32, [c_void_p]),
    "soter_error_message": (c_void_p, [c_void_p]),  # borrowed from the error
    "soter_error_errcode": (c_bool, [c_void_p, POINTER(c_int64)]),
    "soter_error_errmsg": (c_void_p, [c_void_p]),  # borrowed from the error
    "soter_error_free": (None, [c_void_p]),
    "soter_string_free": (None, [POINTER(c_char)]),
    "soter_key_load": (c_int32, [c_char_p, c_size_t, PHandle, PErr]),
    "soter_key_free": (None, [c_void_p]),
    "soter_key_bits": (c_uint32, [c_void_p]),
    "soter_key_equal": (c_bool, [c_void_p, c_void_p]),
    "soter_key_to_pem": (c_int32, [c_void_p, POINTER(POINTER(c_char)), PSize, PErr]),
    "soter_key_verify": (
        c_int32,
        [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_int32, POINTER(c_uint32), PErr],
    ),
    "soter_result_json_parse": (c_int32, [c_char_p, c_size_t, PHandle, PErr]),
    "soter_result_json_free": (None, [c_void_p]),
    "soter_result_json_get": (c_int32, [c_void_p, c_int32, PPBytes, PSize]),
    "soter_result_json_counter": (c_uint64, [c_void_p]),
    "soter_result_json_salt_len": (c_int32, [c_void_p]),
    "soter_result_json_extra_count": (c_size_t, [c_void_p]),
    "soter_result_json_extra": (c_int32, [c_void_p, c_size_t, PPBytes, PSize, PPBytes, PSize]),
    "soter_result_json_pack": (c_size_t, [c_void_p, c_void_p, c_size_t]),
    # Hot path: the struct and out-parameters as plain pointers (byref() objects), which ctypes
    # converts faster than typed POINTER arguments.
    "soter_authenticate": (
        c_int32,
        [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_void_p, c_void_p, c_void_p],
    ),
    "soter_verify_auth_key": (
        c_int32,
        [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, PHandle, PErr],
    ),
    "soter_auth_key_free": (None, [c_void_p]),
    "soter_auth_key_public_key": (c_int32, [c_void_p, PHandle, PErr]),
    "soter_auth_key_get": (c_int32, [c_void_p, c_int32, PPBytes, PSize]),
    "soter_auth_key_counter": (c_uint64, [c_void_p]),
    "soter_auth_key_pack": (c_size_t, [c_void_p, c_void_p, c_size_t]),
    "soter_new_challenge": (c_int32, [c_char_p, c_size_t, PSize, PErr]),
}


# ---- WeChat client, emulator, device simulator (declared lazily: see ``wechat_lib``) ----

FAULTS: Final = {
    "system_busy": 0,
    "invalid_token": 1,
    "expired_token": 2,
    "http_500": 3,
    "delay": 4,
    "malformed_body": 5,
    "drop_connection": 6,
}

TOKEN_SOURCE_STABLE: Final = 0
TOKEN_SOURCE_CLASSIC: Final = 1
TOKEN_SOURCE_FIXED: Final = 2
TOKEN_SOURCE_CALLBACK: Final = 3
TOKEN_SOURCE_CLOUD_OPEN_API: Final = 4
TOKEN_SOURCE_CLOUDBASE_FILE: Final = 5

FACE_FIELD_ERRMSG: Final = 0
FACE_FIELD_VALIDATE_DATA: Final = 1
FACE_FIELD_OPENID: Final = 2
FACE_FIELD_USER_ID_KEY: Final = 3
FACE_FIELD_ID_CARD_NUMBER_MD5: Final = 4
FACE_FIELD_NAME_UTF8_MD5: Final = 5
FACE_NUMBER_ERRCODE: Final = 0
FACE_NUMBER_IDENTIFY_RET: Final = 1
FACE_NUMBER_IDENTIFY_TIME: Final = 2
FACE_NUMBER_FINISH_TIME: Final = 3

CERT_HASH_LEN: Final = 64


class SoterEmulatorOptions(Structure):
    _fields_ = [
        ("listen", c_char_p),
        ("listen_len", c_size_t),
        ("token_lifetime_s", c_uint32),
        ("open_api", c_bool),
        ("api_security", c_bool),
    ]


class SoterEmulatorCounters(Structure):
    _fields_ = [
        ("total_requests", c_uint64),
        ("token_requests", c_uint64),
        ("token_issues", c_uint64),
        ("verify_signature_requests", c_uint64),
        ("connections", c_uint64),
        ("faults_applied", c_uint64),
    ]


#: int32_t (*)(void *user_data, bool force_refresh, uint8_t *buf, size_t cap, size_t *len,
#: int64_t *expires_in)
TOKEN_CALLBACK = ctypes.CFUNCTYPE(
    c_int32, c_void_p, c_bool, POINTER(c_ubyte), c_size_t, POINTER(c_size_t), POINTER(c_int64)
)


class SoterClientOptions(Structure):
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
        ("token_callback", TOKEN_CALLBACK),
        ("token_callback_user_data", c_void_p),
        ("token_retry_max_ms", c_uint32),
        ("max_idle_connections", c_uint32),
        ("api_security", c_void_p),
    ]


class SoterClientStats(Structure):
    _fields_ = [
        ("http_requests", c_uint64),
        ("retries", c_uint64),
        ("token_fetches", c_uint64),
        ("token_retries", c_uint64),
    ]


class SoterCertInfo(Structure):
    _fields_ = [
        ("cert_type", c_char_p),
        ("cert_type_len", c_size_t),
        ("cert_name", c_char_p),
        ("cert_name_len", c_size_t),
        ("cert_no", c_char_p),
        ("cert_no_len", c_size_t),
    ]


class SoterVerifyInfo(Structure):
    _fields_ = [
        ("verify_ret", c_int64),
        ("outcome", c_int32),
        ("passed", c_bool),
    ]


POwned = POINTER(POINTER(c_char))  # char ** for strings to free with soter_string_free

_WECHAT_SIGNATURES: dict[str, tuple[Any, list[Any]]] = {
    "soter_emulator_start": (
        c_int32,
        [c_char_p, c_size_t, c_char_p, c_size_t, POINTER(SoterEmulatorOptions), PHandle, PErr],
    ),
    "soter_emulator_stop": (None, [c_void_p]),
    "soter_emulator_free": (None, [c_void_p]),
    "soter_emulator_base_url": (c_void_p, [c_void_p]),  # borrowed
    "soter_emulator_register_device": (c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, PErr]),
    "soter_emulator_register_person": (
        c_int32,
        [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_char_p, c_size_t, c_int64, c_int64, PErr],
    ),
    "soter_emulator_issue_verify_result": (c_int32, [c_void_p, c_char_p, c_size_t, POwned, PErr]),
    "soter_emulator_set_reusable_tickets": (None, [c_void_p, c_bool]),
    "soter_emulator_inject_fault": (
        c_int32,
        [c_void_p, c_int32, c_int64, c_uint32, c_char_p, c_size_t, PErr],
    ),
    "soter_emulator_clear_faults": (None, [c_void_p]),
    "soter_emulator_counters": (c_int32, [c_void_p, POINTER(SoterEmulatorCounters), PErr]),
    "soter_emulator_requests_to": (c_uint64, [c_void_p, c_char_p, c_size_t]),
    "soter_emulator_reset_counters": (None, [c_void_p]),
    "soter_emulator_add_token": (c_int32, [c_void_p, c_char_p, c_size_t, c_uint32, PErr]),
    "soter_emulator_expire_tokens": (None, [c_void_p]),
    "soter_test_key_pair_generate": (c_int32, [c_uint32, PHandle, PErr]),
    "soter_test_key_pair_free": (None, [c_void_p]),
    "soter_test_key_pair_public_key_pem": (c_int32, [c_void_p, POwned, PSize, PErr]),
    "soter_device_new": (c_int32, [c_uint32, PHandle, PErr]),
    "soter_device_free": (None, [c_void_p]),
    "soter_device_cpu_id": (c_void_p, [c_void_p]),  # borrowed
    "soter_device_uid": (c_void_p, [c_void_p]),  # borrowed
    "soter_device_public_key_pem": (c_int32, [c_void_p, POwned, PSize, PErr]),
    "soter_device_sign_result": (
        c_int32,
        [c_void_p, c_char_p, c_size_t, c_uint32, POwned, PSize, POwned, PSize, PErr],
    ),
    "soter_device_signed_auth_key": (c_int32, [c_void_p, c_void_p, POwned, PSize, POwned, PSize, PErr]),
    "soter_client_options_init": (None, [POINTER(SoterClientOptions)]),
    "soter_wechat_client_new": (
        c_int32,
        [c_char_p, c_size_t, c_char_p, c_size_t, POINTER(SoterClientOptions), PHandle, PErr],
    ),
    "soter_wechat_client_free": (None, [c_void_p]),
    "soter_wechat_client_set_fixed_token": (c_int32, [c_void_p, c_char_p, c_size_t, PErr]),
    "soter_wechat_client_clear_token": (None, [c_void_p]),
    "soter_wechat_client_stats": (c_int32, [c_void_p, POINTER(SoterClientStats), PErr]),
    "soter_wechat_soter_verify_signature": (
        c_int32,
        [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_char_p, c_size_t, POINTER(c_bool), PErr],
    ),
    "soter_wechat_face_get_info": (c_int32, [c_void_p, c_char_p, c_size_t, PHandle, PErr]),
    "soter_face_info_free": (None, [c_void_p]),
    "soter_face_info_passed": (c_bool, [c_void_p]),
    "soter_face_info_matches_person": (c_bool, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t]),
    "soter_face_info_get": (c_bool, [c_void_p, c_int32, PPBytes, PSize]),
    "soter_face_info_number": (c_bool, [c_void_p, c_int32, POINTER(c_int64)]),
    "soter_cert_hash": (c_int32, [POINTER(SoterCertInfo), c_char_p, c_size_t, PErr]),
    "soter_wechat_face_get_verify_id": (
        c_int32,
        [c_void_p, c_char_p, c_size_t, POINTER(SoterCertInfo), c_char_p, c_size_t, POwned,
         POINTER(c_int64), PErr],
    ),
    "soter_wechat_face_query_verify_info": (
        c_int32,
        [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, POINTER(SoterCertInfo), c_char_p,
         c_size_t, POINTER(SoterVerifyInfo), PErr],
    ),
    "soter_verify_outcome_name": (c_char_p, [c_int32]),  # static string, not owned
    # ---- API security mode: src/ffi/api_security.rs ----
    "soter_api_security_new": (
        c_int32,
        [c_char_p, c_size_t, c_char_p, c_size_t, c_char_p, c_size_t, c_char_p, c_size_t, c_char_p,
         c_size_t, PHandle, PErr],
    ),
    "soter_api_security_with_platform_cert": (
        c_int32, [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, PHandle, PErr],
    ),
    "soter_api_security_with_path": (c_int32, [c_void_p, c_char_p, c_size_t, PHandle, PErr]),
    "soter_api_security_seals": (c_bool, [c_void_p, c_char_p, c_size_t]),
    "soter_api_security_free": (None, [c_void_p]),
    "soter_api_security_seal": (
        c_int32,
        [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_int64, c_char_p, c_size_t, c_char_p,
         POwned, PSize, POwned, PSize, PErr],
    ),
    "soter_api_security_open": (
        c_int32,
        [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_char_p, c_size_t, c_int64, POwned,
         PSize, PErr],
    ),
    "soter_emulator_api_security": (c_int32, [c_void_p, PHandle, PErr]),
}

# ---- Trusted ASKs (certificate chains, classic verify_ask): src/ffi/attestation.rs ----

#: ``SOTER_ASK_FORMAT_*`` values.
ASK_FORMAT_CLASSIC: Final = 0
ASK_FORMAT_CERTIFICATE_CHAIN: Final = 1
#: ``SOTER_TEST_CHAIN_NO_ATTESTATION``.
TEST_CHAIN_NO_ATTESTATION: Final = 1


class SoterBytes(Structure):
    """Mirror of ``SoterBytes`` in soter_verify.h: one (pointer, length) item of an array."""

    _fields_ = [("data", c_char_p), ("len", c_size_t)]


_SIGNATURES.update({
    "soter_verify_ask_chain": (
        c_int32,
        [c_char_p, c_size_t, POINTER(SoterBytes), c_size_t, c_bool, c_int64, PHandle, PErr],
    ),
    "soter_verify_ask_chain_certs": (
        c_int32,
        [POINTER(SoterBytes), c_size_t, POINTER(SoterBytes), c_size_t, c_bool, c_int64, PHandle, PErr],
    ),
    "soter_ask_from_stored": (
        c_int32,
        [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_uint64, c_int32, c_int32, PHandle, PErr],
    ),
    "soter_ask_free": (None, [c_void_p]),
    "soter_ask_public_key": (c_int32, [c_void_p, PHandle, PErr]),
    "soter_ask_cpu_id": (c_int32, [c_void_p, PPBytes, PSize]),
    "soter_ask_uid": (c_int32, [c_void_p, PPBytes, PSize]),
    "soter_ask_signed_json": (c_int32, [c_void_p, PPBytes, PSize]),
    "soter_ask_counter": (c_uint64, [c_void_p]),
    "soter_ask_salt_len": (c_int32, [c_void_p]),
    "soter_ask_format": (c_int32, [c_void_p]),
    "soter_ask_subject_count": (c_size_t, [c_void_p]),
    "soter_ask_subject": (c_int32, [c_void_p, c_size_t, PPBytes, PSize]),
    "soter_ask_root_spki_sha256": (c_bool, [c_void_p, POINTER(c_ubyte)]),
    "soter_verify_auth_key_with_ask": (
        c_int32,
        [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, PHandle, PErr],
    ),
})

# --- Key attestation (issue 22): kept in one block for the generated declarations to replace. ---
_SIGNATURES.update({
    "soter_verify_key_attestation": (
        c_int32,
        [POINTER(SoterBytes), c_size_t, POINTER(SoterBytes), c_size_t, c_bool, c_int64,
         c_char_p, c_size_t, PHandle, PErr],
    ),
    "soter_key_attestation_free": (None, [c_void_p]),
    "soter_key_attestation_json": (c_int32, [c_void_p, PPBytes, PSize]),
    "soter_key_attestation_challenge": (c_int32, [c_void_p, PPBytes, PSize]),
    "soter_key_attestation_public_key": (c_int32, [c_void_p, PPBytes, PSize]),
    "soter_key_attestation_security_level": (c_int32, [c_void_p]),
    "soter_key_attestation_keymint_security_level": (c_int32, [c_void_p]),
    "soter_key_attestation_version": (c_int64, [c_void_p]),
    "soter_verify_ask_chain_policy": (
        c_int32,
        [c_char_p, c_size_t, POINTER(SoterBytes), c_size_t, c_bool, c_int64, c_uint32, c_char_p, c_size_t,
         PHandle, PErr],
    ),
})
# --- end of the key attestation block ---

_WECHAT_SIGNATURES.update({
    "soter_wechat_soter_verify_ask": (
        c_int32,
        [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, PHandle, PErr],
    ),
    "soter_wechat_soter_is_support": (
        c_int32,
        [c_void_p, c_char_p, c_size_t, POINTER(c_bool), POINTER(c_uint32), PErr],
    ),
    "soter_emulator_register_attk": (c_int32, [c_void_p, c_char_p, c_size_t, PErr]),
    "soter_emulator_register_model": (c_int32, [c_void_p, c_char_p, c_size_t, c_uint32, PErr]),
    "soter_test_root_generate": (c_int32, [PHandle, PErr]),
    "soter_test_root_free": (None, [c_void_p]),
    "soter_test_root_pem": (c_int32, [c_void_p, POwned, PSize, PErr]),
    "soter_device_classic_ask": (
        c_int32,
        [c_void_p, c_void_p, c_void_p, POwned, PSize, POwned, PSize, PErr],
    ),
    "soter_device_ask_chain": (
        c_int32,
        [c_void_p, c_void_p, c_void_p, c_uint32, c_int32, POwned, PSize, PErr],
    ),
    "soter_device_signed_auth_key_with_salt": (
        c_int32,
        [c_void_p, c_void_p, c_uint32, POwned, PSize, POwned, PSize, PErr],
    ),
})

# ---- ReplayGuard (declared lazily, like the WeChat exports: see ``guard_lib``) ----


class SoterGuardOptions(Structure):
    """Mirror of ``SoterGuardOptions`` in soter_verify.h."""

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


class SoterSentinelOptions(Structure):
    """Mirror of ``SoterSentinelOptions`` in soter_verify.h."""

    _fields_ = [
        ("password", c_char_p),
        ("password_len", c_size_t),
        ("sentinel_password", c_char_p),
        ("sentinel_password_len", c_size_t),
        ("db", c_int64),
    ]


class SoterGuardSubject(Structure):
    """Mirror of ``SoterGuardSubject`` in soter_verify.h."""

    _fields_ = [
        ("subject", c_char_p),
        ("subject_len", c_size_t),
        ("cpu_id", c_char_p),
        ("cpu_id_len", c_size_t),
        ("uid", c_char_p),
        ("uid_len", c_size_t),
    ]


_GUARD_SIGNATURES: dict[str, tuple[Any, list[Any]]] = {
    "soter_guard_options_init": (None, [POINTER(SoterGuardOptions)]),
    "soter_replay_guard_new_memory": (c_int32, [POINTER(SoterGuardOptions), PHandle, PErr]),
    "soter_replay_guard_new_redis": (c_int32, [c_char_p, c_size_t, POINTER(SoterGuardOptions), PHandle, PErr]),
    "soter_replay_guard_new_redis_cluster": (
        c_int32,
        [POINTER(c_char_p), POINTER(c_size_t), c_size_t, POINTER(SoterGuardOptions), PHandle, PErr],
    ),
    "soter_replay_guard_new_redis_sentinel": (
        c_int32,
        [POINTER(c_char_p), POINTER(c_size_t), c_size_t, c_char_p, c_size_t, POINTER(SoterSentinelOptions),
         POINTER(SoterGuardOptions), PHandle, PErr],
    ),
    "soter_replay_guard_ping": (c_int32, [c_void_p, PErr]),
    "soter_replay_guard_free": (None, [c_void_p]),
    "soter_replay_guard_describe": (c_int32, [c_void_p, POwned, PSize, PErr]),
    "soter_replay_guard_issue_challenge": (
        c_int32,
        [c_void_p, c_char_p, c_size_t, c_uint64, c_char_p, c_size_t, PSize, PErr],
    ),
    "soter_replay_guard_authenticate": (  # hot path: pointers as in soter_authenticate
        c_int32,
        [c_void_p, c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_void_p, c_void_p, c_void_p],
    ),
    "soter_replay_guard_accept": (
        c_int32,
        [c_void_p, c_char_p, c_size_t, POINTER(SoterGuardSubject), PHandle, PErr],
    ),
    "soter_replay_guard_authenticate_via_wechat": (
        c_int32,
        [c_void_p, c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_char_p, c_size_t,
         POINTER(SoterGuardSubject), PHandle, PErr],
    ),
    "soter_replay_guard_last_counter": (
        c_int32,
        [c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_char_p, c_size_t, POINTER(c_bool),
         POINTER(c_uint64), PErr],
    ),
    "soter_replay_guard_face_get_info": (
        c_int32,
        [c_void_p, c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, c_uint32, PHandle, PErr],
    ),
    "soter_replay_guard_face_start": (
        c_int32,
        [c_void_p, c_void_p, c_char_p, c_size_t, POINTER(SoterCertInfo), c_char_p, c_size_t, c_uint32, POwned,
         POINTER(c_int64), PErr],
    ),
    "soter_replay_guard_face_finish": (
        c_int32,
        [c_void_p, c_void_p, c_char_p, c_size_t, c_char_p, c_size_t, POINTER(SoterCertInfo),
         POINTER(SoterVerifyInfo), PErr],
    ),
}
#: ``SOTER_GUARD_DEFAULT_FACE_MAX_AGE_S`` and ``SOTER_GUARD_DEFAULT_FACE_TTL_S``.
GUARD_DEFAULT_FACE_MAX_AGE_S: Final = 600
GUARD_DEFAULT_FACE_TTL_S: Final = 3600

_guard_ready = False


def guard_lib() -> ctypes.CDLL:
    """The library with the ReplayGuard exports declared (on first use, with a clear error
    for a library built before the guard existed)."""
    global _guard_ready
    if not _guard_ready:
        missing = [name for name in _GUARD_SIGNATURES if not hasattr(lib, name)]
        if missing:
            raise RuntimeError(
                f"soter_verify: {LIB_PATH} has no ReplayGuard (missing {missing[0]}); rebuild the "
                "library from a current tree"
            )
        for name, (restype, argtypes) in _GUARD_SIGNATURES.items():
            fn = getattr(lib, name)
            fn.restype = restype
            fn.argtypes = argtypes
        _guard_ready = True
    return lib


_wechat_ready = False


def wechat_lib() -> ctypes.CDLL:
    """The library with the WeChat/emulator/device exports declared.

    Declared on first use so that the core API keeps working with a library built before the
    WeChat client existed; such a library gives a clear error here instead.
    """
    global _wechat_ready
    if not _wechat_ready:
        missing = [name for name in _WECHAT_SIGNATURES if not hasattr(lib, name)]
        if missing:
            raise RuntimeError(
                f"soter_verify: {LIB_PATH} has no WeChat client support (missing {missing[0]}"
                f" and {len(missing) - 1} more exports); rebuild the library from a current tree"
            )
        for name, (restype, argtypes) in _WECHAT_SIGNATURES.items():
            fn = getattr(lib, name)
            fn.restype = restype
            fn.argtypes = argtypes
        _wechat_ready = True
    return lib


def has_wechat() -> bool:
    """Whether the loaded library has the WeChat client, emulator and device exports."""
    return all(hasattr(lib, name) for name in _WECHAT_SIGNATURES)


def _candidates() -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env).expanduser()
        if path.is_dir():
            path = path / LIB_NAME
        found.append((f"${ENV_VAR}", path))
    found.append(("bundled", BUNDLED_PATH))
    return found


def _load() -> tuple[ctypes.CDLL, Path]:
    env = os.environ.get(ENV_VAR)
    tried: list[str] = []
    for origin, path in _candidates():
        if not path.is_file():
            tried.append(f"{origin}: {path} (no such file)")
            if origin != "bundled":
                # An explicit override that points nowhere is a mistake: say so, don't fall back.
                raise ImportError(
                    f"soter_verify: {ENV_VAR}={env!r} but {path} does not exist; "
                    f"point it at a built {LIB_NAME} (cargo build --release) or unset it"
                )
            continue
        try:
            return ctypes.CDLL(str(path)), path
        except OSError as exc:
            raise ImportError(f"soter_verify: cannot load {path} ({origin}): {exc}") from exc
    raise ImportError(
        "soter_verify: the native library was not found. Tried: "
        + "; ".join(tried)
        + f". Install the package with pip (it builds and bundles {LIB_NAME}) or set "
        f"{ENV_VAR} to the path of a library built with `cargo build --release`."
    )


def _declare(cdll: ctypes.CDLL, path: Path, names: Optional[list[str]] = None) -> None:
    for name in names if names is not None else _SIGNATURES:
        restype, argtypes = _SIGNATURES[name]
        try:
            fn = getattr(cdll, name)
        except AttributeError as exc:
            raise ImportError(
                f"soter_verify: {path} does not export {name}; it is not a compatible "
                "libsoter_verify build"
            ) from exc
        fn.restype = restype
        fn.argtypes = argtypes


lib, LIB_PATH = _load()
_declare(lib, LIB_PATH)

#: The same library through ``PyDLL``: the GIL stays held during the call. Only for exports that
#: do well under a microsecond of work and never block (reading out or freeing a handle), where
#: releasing and re-acquiring the GIL would cost more than the call itself. Everything that
#: verifies, parses or waits goes through ``lib``, which releases the GIL.
fast = ctypes.PyDLL(str(LIB_PATH))
_declare(fast, LIB_PATH, [
    "soter_result_json_pack",
    "soter_result_json_free",
    "soter_auth_key_pack",
    "soter_auth_key_free",
    "soter_key_bits",
])

_abi = int(lib.soter_abi_version())
if _abi != ABI_VERSION:
    raise ImportError(
        f"soter_verify: {LIB_PATH} implements C ABI version {_abi}, but this soter_verify "
        f"package was written for ABI version {ABI_VERSION}. Reinstall the package from the same "
        f"source tree as the library, or point {ENV_VAR} at a matching build."
    )


def take_string(ptr: Any, length: int | None = None) -> str:
    """Copy an owned ``char *`` from the library into a ``str``, then free it."""
    if not ptr:
        return ""
    try:
        raw = ctypes.string_at(ptr, length) if length is not None else ctypes.string_at(ptr)
        return raw.decode("utf-8")
    finally:
        lib.soter_string_free(ptr)


def borrowed(ptr: Any, length: int) -> str:
    """Copy a borrowed (pointer, length) UTF-8 value into a ``str`` immediately."""
    if length == 0 or not ptr:
        return ""
    return ctypes.string_at(ptr, length).decode("utf-8")


def borrowed_cstr(ptr: int | None) -> str:
    """Copy a borrowed NUL-terminated UTF-8 string into a ``str`` (``""`` for NULL)."""
    if not ptr:
        return ""
    return ctypes.string_at(ptr).decode("utf-8", "replace")


__all__ = [
    "ABI_VERSION",
    "CHALLENGE_LEN",
    "LIB_PATH",
    "PBytes",
    "SALT_LEN_AUTO",
    "SALT_LEN_DEFAULT",
    "SoterExpectations",
    "borrowed",
    "borrowed_cstr",
    "c_char",
    "fast",
    "lib",
    "take_string",
]
