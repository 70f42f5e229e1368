"""WeChatClient against the in-process emulator on 127.0.0.1: SOTER, face, tokens, faults."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import soter_verify
from conftest import skip_unless_wechat
from soter_verify import CertInfo, FixedToken, WeChatClient, _native
from soter_verify import authenticate, cert_hash, new_challenge

skip_unless_wechat()

from soter_verify.testing import Device, WeChatEmulator  # noqa: E402

VERIFY_SIGNATURE = "/cgi-bin/soter/verify_signature"
NAME, ID_NUMBER = "张三", "310101199801011234"


@pytest.fixture
def emu() -> Iterator[WeChatEmulator]:
    with WeChatEmulator("wx-test-app", "test-secret") as e:
        yield e


@pytest.fixture(scope="module")
def phone() -> Iterator[Device]:
    with Device() as d:
        yield d


@pytest.fixture
def client(emu: WeChatEmulator) -> Iterator[WeChatClient]:
    with emu.client(backoff_base=0.01, backoff_max=0.05) as c:
        yield c


def test_emulator_is_loopback(emu: WeChatEmulator) -> None:
    assert emu.base_url.startswith("http://127.0.0.1:")


# ---- SOTER ----------------------------------------------------------------------------------

def test_full_soter_flow(emu: WeChatEmulator, phone: Device, client: WeChatClient) -> None:
    emu.register_device("openid-1", phone.public_key_pem)
    challenge = new_challenge()
    result_json, signature = phone.sign_result(challenge)
    assert isinstance(result_json, bytes) and isinstance(signature, str)
    # WeChat checks the signature ...
    assert client.soter_verify_signature("openid-1", result_json, signature) is True
    # ... and the server checks the challenge itself
    parsed = soter_verify.ResultJson.parse(result_json)
    assert parsed.raw == challenge
    # str inputs, as from a JSON request body
    assert client.soter_verify_signature("openid-1", result_json.decode(), signature) is True
    # errcode 0 with is_ok false is a failed verification, not an error
    assert client.soter_verify_signature("openid-1", result_json + b" ", signature) is False
    other, other_sig = phone.sign_result("another challenge")
    assert client.soter_verify_signature("openid-1", result_json, other_sig) is False
    assert emu.requests_to(VERIFY_SIGNATURE) == 4
    assert emu.counters().verify_signature_requests == 4


def test_unknown_openid_is_a_wechat_api_error(emu: WeChatEmulator, phone: Device, client: WeChatClient) -> None:
    doc, sig = phone.sign_result("c")
    with pytest.raises(soter_verify.WeChatApiError) as info:
        client.soter_verify_signature("nobody", doc, sig)
    assert info.value.status == 16
    assert isinstance(info.value.errcode, int) and info.value.errcode != 0
    assert info.value.errmsg


def test_local_verification_of_device_results(phone: Device) -> None:
    key = phone.public_key
    challenge = new_challenge()
    doc, sig = phone.sign_result(challenge)
    r = authenticate(key, doc, sig, challenge=challenge, cpu_id=phone.cpu_id, uid=phone.uid)
    doc2, sig2 = phone.sign_result(challenge)
    r2 = authenticate(key, doc2, sig2, challenge=challenge, min_counter=r.counter + 1)
    assert r2.counter > r.counter
    with pytest.raises(soter_verify.CounterReplay):
        authenticate(key, doc, sig, challenge=challenge, min_counter=r.counter + 1)
    # Huawei-style: salt 32 announced in rsa_pss_saltlen
    doc3, sig3 = phone.sign_result(challenge, salt_len=32)
    r3 = authenticate(key, doc3, sig3, challenge=challenge)
    assert r3.rsa_pss_saltlen == 32
    assert key.verify(doc3, sig3) and not key.verify(doc3, sig3, salt_len=20)


# ---- face verification ---------------------------------------------------------------------

def test_cert_hash_documented_check() -> None:
    expected = "3c241f7ff324977aeb91f173bb2a7b06569e6fd784d5573db34a636d8671108b"
    assert cert_hash("IDENTITY_CARD", NAME, ID_NUMBER) == expected
    assert CertInfo(NAME, ID_NUMBER).hash() == expected
    assert NAME not in repr(CertInfo(NAME, ID_NUMBER))
    with pytest.raises(TypeError):
        cert_hash("IDENTITY_CARD", NAME, None)  # type: ignore[arg-type]


def test_face_legacy_getinfo(emu: WeChatEmulator, client: WeChatClient) -> None:
    emu.register_person("openid-f", NAME, ID_NUMBER)
    with client.face_get_info(emu.issue_verify_result("openid-f")) as info:
        assert info.passed and info.errcode == 0 and info.identify_ret == 0
        assert info.openid == "openid-f"
        assert info.passed_for(NAME, ID_NUMBER)
        assert info.matches_person(NAME, ID_NUMBER)
        assert not info.matches_person("李四", ID_NUMBER)
        assert not info.passed_for(NAME, "310101199801011235")
        assert info.id_card_number_md5 and len(info.id_card_number_md5) == 32
        assert "passed=True" in repr(info)
    assert info.closed
    with pytest.raises(ValueError, match="closed"):
        info.matches_person(NAME, ID_NUMBER)
    assert info.passed  # copied fields stay readable


def test_face_legacy_failed_identification(emu: WeChatEmulator, client: WeChatClient) -> None:
    emu.register_person("openid-g", NAME, "11010119900307453x", identify_ret=10001)
    info = client.face_get_info(emu.issue_verify_result("openid-g"))
    assert info.errcode == 0 and info.identify_ret == 10001
    assert not info.passed and not info.passed_for(NAME, "11010119900307453x")
    assert info.matches_person(NAME, "11010119900307453x")  # final x uppercased either way
    assert info.matches_person(NAME, "11010119900307453X")


def test_face_legacy_bad_ticket(client: WeChatClient) -> None:
    with pytest.raises(soter_verify.WeChatApiError) as info:
        client.face_get_info("not-a-ticket")
    assert info.value.errcode in (84001, 84002, 84003)


def test_face_verify_id_and_query(emu: WeChatEmulator, client: WeChatClient) -> None:
    emu.register_person("openid-h", NAME, ID_NUMBER)
    cert = CertInfo(NAME, ID_NUMBER)
    session = client.face_get_verify_id("seq-001", cert, "openid-h")
    assert session.verify_id
    assert session.expires_in is None or session.expires_in > 0
    result = client.face_query_verify_info(session.verify_id, "seq-001", cert, "openid-h")
    assert (result.verify_ret, result.outcome, result.passed) == (10000, "passed", True)
    # a document that does not match the person
    wrong = CertInfo("李四", ID_NUMBER)
    s2 = client.face_get_verify_id("seq-002", wrong, "openid-h")
    r2 = client.face_query_verify_info(s2.verify_id, "seq-002", wrong, "openid-h")
    assert r2.verify_ret == 90011 and r2.outcome == "invalid_face_data" and not r2.passed


def test_face_user_cancelled(emu: WeChatEmulator, client: WeChatClient) -> None:
    emu.register_person("openid-i", NAME, ID_NUMBER, verify_ret=90003)
    cert = CertInfo(NAME, ID_NUMBER)
    session = client.face_get_verify_id("seq-003", cert, "openid-i")
    r = client.face_query_verify_info(session.verify_id, "seq-003", cert, "openid-i")
    assert (r.verify_ret, r.outcome, r.passed) == (90003, "user_cancelled", False)


def test_face_type_errors(client: WeChatClient) -> None:
    with pytest.raises(TypeError, match="cert"):
        client.face_get_verify_id("seq", (NAME, ID_NUMBER), "o")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="verify_result"):
        client.face_get_info(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="openid"):
        client.face_query_verify_info("v", "s", CertInfo(NAME, ID_NUMBER), 5)  # type: ignore[arg-type]


# ---- tokens ----------------------------------------------------------------------------------

def test_stable_token_is_fetched_once(emu: WeChatEmulator, phone: Device, client: WeChatClient) -> None:
    emu.register_device("o", phone.public_key_pem)
    doc, sig = phone.sign_result("c")
    for _ in range(5):
        assert client.soter_verify_signature("o", doc, sig)
    assert client.stats().token_fetches == 1
    assert emu.counters().token_issues == 1
    client.clear_token()
    assert client.soter_verify_signature("o", doc, sig)
    assert client.stats().token_fetches == 2


def test_classic_token_source(emu: WeChatEmulator, phone: Device) -> None:
    emu.register_device("o", phone.public_key_pem)
    doc, sig = phone.sign_result("c")
    with emu.client(token_source="classic") as c:
        assert c.soter_verify_signature("o", doc, sig)
    assert emu.requests_to("/cgi-bin/token") == 1
    assert emu.requests_to("/cgi-bin/stable_token") == 0


def test_fixed_token_sources(emu: WeChatEmulator, phone: Device) -> None:
    emu.register_device("o", phone.public_key_pem)
    doc, sig = phone.sign_result("c")
    emu.add_token("fixed-token-0123456789", 600)
    emu.add_token("fixed-token-9876543210", 600)
    with emu.client(token_source=FixedToken("fixed-token-0123456789")) as c:
        assert c.soter_verify_signature("o", doc, sig)
        c.set_fixed_token("fixed-token-9876543210")
        assert c.soter_verify_signature("o", doc, sig)
        c.set_fixed_token("unknown-token-000000")
        with pytest.raises(soter_verify.SoterError) as info:
            c.soter_verify_signature("o", doc, sig)
        assert isinstance(info.value, (soter_verify.TokenError, soter_verify.WeChatApiError))
    with emu.client(token_source="fixed-token-0123456789") as c:  # a plain str is a fixed token
        assert c.soter_verify_signature("o", doc, sig)
    assert emu.counters().token_issues == 0
    assert "fixed-token" not in repr(FixedToken("fixed-token-0123456789"))


def test_set_fixed_token_on_other_source_is_refused(client: WeChatClient) -> None:
    with pytest.raises(soter_verify.InvalidArgument):
        client.set_fixed_token("abc")


def test_unknown_token_source_name(emu: WeChatEmulator) -> None:
    with pytest.raises(soter_verify.InvalidArgument, match="token_source"):
        emu.client(token_source="stabel")
    with pytest.raises(TypeError, match="token_source"):
        emu.client(token_source=42)


def test_callback_token_source(emu: WeChatEmulator, phone: Device) -> None:
    emu.register_device("o", phone.public_key_pem)
    doc, sig = phone.sign_result("c")
    emu.add_token("cb-token-1111111111", 600)
    emu.add_token("cb-token-2222222222", 600)
    calls: list[bool] = []

    def token_service(force_refresh: bool) -> tuple[str, float]:
        calls.append(force_refresh)
        return ("cb-token-1111111111" if len(calls) == 1 else "cb-token-2222222222", 600)

    with emu.client(token_source=token_service) as c:
        assert c.soter_verify_signature("o", doc, sig)
        assert c.soter_verify_signature("o", doc, sig)
        assert calls == [False]
        emu.inject_fault("invalid_token", 1, path=VERIFY_SIGNATURE)  # WeChat rejects the token
        assert c.soter_verify_signature("o", doc, sig)
        assert calls == [False, True]
        assert c.stats().token_retries == 1


def test_callback_exception_becomes_token_error_with_cause(emu: WeChatEmulator, phone: Device) -> None:
    doc, sig = phone.sign_result("c")

    def broken(force_refresh: bool) -> str:
        raise RuntimeError("token service is down")

    with emu.client(token_source=broken) as c:
        with pytest.raises(soter_verify.TokenError) as info:
            c.soter_verify_signature("o", doc, sig)
        assert isinstance(info.value.__cause__, RuntimeError)
        assert "down" in str(info.value.__cause__)

    def wrong_type(force_refresh: bool) -> str:
        return 12345  # type: ignore[return-value]

    with emu.client(token_source=wrong_type) as c:
        with pytest.raises(soter_verify.TokenError) as info:
            c.soter_verify_signature("o", doc, sig)
        assert isinstance(info.value.__cause__, TypeError)

    def bad_ttl(force_refresh: bool) -> tuple[str, float]:
        return ("tok-0123456789", "soon")  # type: ignore[return-value]

    with emu.client(token_source=bad_ttl) as c:
        with pytest.raises(soter_verify.TokenError) as info:
            c.soter_verify_signature("o", doc, sig)
        assert isinstance(info.value.__cause__, TypeError)
        assert "expires_in" in str(info.value.__cause__)


def test_callback_short_lifetime_is_refetched(emu: WeChatEmulator, phone: Device) -> None:
    emu.register_device("o", phone.public_key_pem)
    doc, sig = phone.sign_result("c")
    emu.add_token("short-lived-token-01", 600)
    calls: list[bool] = []

    def token_service(force_refresh: bool) -> tuple[str, float]:
        calls.append(force_refresh)
        return ("short-lived-token-01", 0.2)  # below the refresh margin: never cached for long

    with emu.client(token_source=token_service) as c:
        assert c.soter_verify_signature("o", doc, sig)
        assert c.soter_verify_signature("o", doc, sig)
    assert len(calls) >= 1 and calls[0] is False


def test_cloud_open_api_mode() -> None:
    with WeChatEmulator(open_api=True) as e, Device() as d:
        e.register_device("o", d.public_key_pem)
        doc, sig = d.sign_result("c")
        with WeChatClient(e.appid, base_url=e.base_url, token_source="cloud_open_api") as c:
            assert c.soter_verify_signature("o", doc, sig)
            assert c.stats().token_fetches == 0
        assert e.counters().token_requests == 0


def test_cloudbase_token_file(emu: WeChatEmulator, phone: Device, tmp_path: Path) -> None:
    emu.register_device("o", phone.public_key_pem)
    doc, sig = phone.sign_result("c")
    emu.add_token("cloudbase-token-abcdef", 600)
    token_file = tmp_path / "cloudbase_access_token"
    token_file.write_text("cloudbase-token-abcdef")
    with emu.client(token_source="cloudbase_file", token_file=str(token_file)) as c:
        assert c.soter_verify_signature("o", doc, sig)


def test_expired_tokens_are_refreshed(emu: WeChatEmulator, phone: Device, client: WeChatClient) -> None:
    emu.register_device("o", phone.public_key_pem)
    doc, sig = phone.sign_result("c")
    assert client.soter_verify_signature("o", doc, sig)
    emu.expire_tokens()
    assert client.soter_verify_signature("o", doc, sig)
    assert client.stats().token_retries == 1


# ---- faults, retries, errors -----------------------------------------------------------------

def test_system_busy_is_retried(emu: WeChatEmulator, phone: Device, client: WeChatClient) -> None:
    emu.register_device("o", phone.public_key_pem)
    doc, sig = phone.sign_result("c")
    emu.inject_fault("system_busy", 2, path=VERIFY_SIGNATURE)
    assert client.soter_verify_signature("o", doc, sig)
    assert client.stats().retries == 2
    assert emu.counters().faults_applied == 2


def test_persistent_busy_gives_wechat_api_error(emu: WeChatEmulator, phone: Device) -> None:
    doc, sig = phone.sign_result("c")
    emu.inject_fault("system_busy", None, path=VERIFY_SIGNATURE)
    with emu.client(max_attempts=2, backoff_base=0.01) as c:
        with pytest.raises(soter_verify.WeChatApiError) as info:
            c.soter_verify_signature("o", doc, sig)
    assert info.value.errcode == -1
    assert emu.requests_to(VERIFY_SIGNATURE) == 2
    emu.clear_faults()


def test_http_500_then_success(emu: WeChatEmulator, phone: Device, client: WeChatClient) -> None:
    emu.register_device("o", phone.public_key_pem)
    doc, sig = phone.sign_result("c")
    emu.inject_fault("http_500", 1, path=VERIFY_SIGNATURE)
    assert client.soter_verify_signature("o", doc, sig)
    assert client.stats().retries == 1


def test_malformed_body(emu: WeChatEmulator, phone: Device) -> None:
    doc, sig = phone.sign_result("c")
    emu.inject_fault("malformed_body", None, path=VERIFY_SIGNATURE)
    with emu.client(max_attempts=1) as c:
        with pytest.raises(soter_verify.MalformedResponse):
            c.soter_verify_signature("o", doc, sig)


def test_dropped_connection_is_network_error(emu: WeChatEmulator, phone: Device) -> None:
    doc, sig = phone.sign_result("c")
    emu.inject_fault("drop_connection", None, path=VERIFY_SIGNATURE)
    with emu.client(max_attempts=1) as c:
        with pytest.raises(soter_verify.NetworkError):
            c.soter_verify_signature("o", doc, sig)


def test_slow_answer_is_timeout(emu: WeChatEmulator, phone: Device) -> None:
    doc, sig = phone.sign_result("c")
    emu.inject_fault("delay", None, path=VERIFY_SIGNATURE, delay=2.0)
    with emu.client(max_attempts=1, timeout=0.3) as c:
        with pytest.raises(soter_verify.Timeout) as info:
            c.soter_verify_signature("o", doc, sig)
    assert isinstance(info.value, soter_verify.NetworkError) and info.value.status == 15


def test_timed_out_attempts_are_retried_until_the_deadline(emu: WeChatEmulator, phone: Device) -> None:
    emu.register_device("o", phone.public_key_pem)
    doc, sig = phone.sign_result("c")
    emu.inject_fault("delay", None, path=VERIFY_SIGNATURE, delay=2.0)
    with emu.client(timeout=0.7, attempt_timeout=0.2, max_attempts=10, backoff_base=0.01, backoff_max=0.02) as c:
        t = time.monotonic()
        with pytest.raises(soter_verify.Timeout) as info:
            c.soter_verify_signature("o", doc, sig)
        took = time.monotonic() - t
    assert "the overall deadline (700 ms) expired" in info.value.message
    assert 0.69 <= took < 1.0, took
    assert emu.requests_to(VERIFY_SIGNATURE) >= 3


def test_a_timed_out_attempt_is_retried_and_the_limit_is_named(emu: WeChatEmulator, phone: Device) -> None:
    emu.register_device("o", phone.public_key_pem)
    doc, sig = phone.sign_result("c")
    emu.inject_fault("delay", 1, path=VERIFY_SIGNATURE, delay=2.0)
    with emu.client(timeout=3, attempt_timeout=0.2, backoff_base=0.01, backoff_max=0.02) as c:
        assert c.soter_verify_signature("o", doc, sig) is True  # the second attempt answers
    assert emu.requests_to(VERIFY_SIGNATURE) == 2
    emu.inject_fault("delay", None, path=VERIFY_SIGNATURE, delay=2.0)
    with emu.client(timeout=3, attempt_timeout=0.15, max_attempts=2, backoff_base=0.01) as c:
        with pytest.raises(soter_verify.Timeout) as info:
            c.soter_verify_signature("o", doc, sig)
    assert "the per-attempt timeout (150 ms) expired" in info.value.message
    assert "after 2 attempts" in info.value.message


def test_a_deadline_shorter_than_the_connect_timeout_wins(emu: WeChatEmulator, phone: Device) -> None:
    emu.register_device("o", phone.public_key_pem)
    doc, sig = phone.sign_result("c")
    emu.inject_fault("delay", None, path=VERIFY_SIGNATURE, delay=2.0)
    with emu.client(timeout=0.3, connect_timeout=5, attempt_timeout=5) as c:
        t = time.monotonic()
        with pytest.raises(soter_verify.Timeout) as info:
            c.soter_verify_signature("o", doc, sig)
        took = time.monotonic() - t
    assert "the overall deadline (300 ms) expired" in info.value.message
    assert 0.29 <= took < 0.6, took


def test_backoff_never_sleeps_past_the_deadline(emu: WeChatEmulator, phone: Device) -> None:
    emu.register_device("o", phone.public_key_pem)
    doc, sig = phone.sign_result("c")
    emu.inject_fault("http_500", None, path=VERIFY_SIGNATURE)
    with emu.client(timeout=0.5, max_attempts=5, backoff_base=2, backoff_max=2) as c:
        t = time.monotonic()
        with pytest.raises(soter_verify.NetworkError) as info:
            c.soter_verify_signature("o", doc, sig)
        took = time.monotonic() - t
    assert "leaves no time for another" in info.value.message
    assert took < 0.25, took
    assert emu.requests_to(VERIFY_SIGNATURE) == 1


@pytest.mark.parametrize("name", ["timeout", "connect_timeout", "attempt_timeout"])
def test_timeouts_above_an_hour_are_a_likely_unit_mistake(name: str) -> None:
    with pytest.raises(soter_verify.InvalidArgument) as info:
        WeChatClient("wx", "s", base_url="http://127.0.0.1:9", **{name: 5000})  # type: ignore[arg-type]
    message = info.value.message
    assert f"{name}=5000 is 83 minutes" in message and "in seconds" in message and "unit mistake" in message, message
    assert "use 5" in message
    WeChatClient("wx", "s", base_url="http://127.0.0.1:9", **{name: 3600}).close()  # type: ignore[arg-type]


def test_connection_refused_is_network_error(phone: Device) -> None:
    with WeChatEmulator() as e:
        url = e.base_url
    doc, sig = phone.sign_result("c")
    with WeChatClient("wx-app", "s", base_url=url, token_source=FixedToken("t-0123456789"), max_attempts=1) as c:
        with pytest.raises(soter_verify.NetworkError) as info:
            c.soter_verify_signature("o", doc, sig)
    assert info.value.status == 14


def test_token_endpoint_failure_is_token_error(emu: WeChatEmulator, phone: Device) -> None:
    doc, sig = phone.sign_result("c")
    with WeChatClient(emu.appid, "wrong-secret", base_url=emu.base_url) as c:
        with pytest.raises(soter_verify.TokenError) as info:
            c.soter_verify_signature("o", doc, sig)
    assert info.value.status == 17


def test_a_wechat_rejecting_fresh_tokens_gets_one_forced_refresh_per_30_s(
    emu: WeChatEmulator, phone: Device, client: WeChatClient
) -> None:
    emu.register_device("o", phone.public_key_pem)
    doc, sig = phone.sign_result("c")
    assert client.soter_verify_signature("o", doc, sig)
    emu.inject_fault("invalid_token", None, path=VERIFY_SIGNATURE)
    messages = []
    for _ in range(50):
        with pytest.raises(soter_verify.TokenError) as info:
            client.soter_verify_signature("o", doc, sig)
        assert info.value.errcode == 40001
        messages.append(info.value.message)
    # The first token and one forced refresh; every later rejection fails without a fetch.
    assert emu.requests_to("/cgi-bin/stable_token") == 2
    assert client.stats().token_fetches == 2
    assert all("refreshed at most once per 30 s" in m for m in messages[1:]), messages[:3]
    emu.clear_faults()
    assert client.soter_verify_signature("o", doc, sig)
    assert emu.requests_to("/cgi-bin/stable_token") == 2


def test_token_retry_max_sets_the_ceiling_of_the_failure_hold(emu: WeChatEmulator, phone: Device) -> None:
    emu.register_device("o", phone.public_key_pem)
    doc, sig = phone.sign_result("c")
    emu.inject_fault("system_busy", None, path="/cgi-bin/stable_token")
    with emu.client(max_attempts=1) as default, emu.client(max_attempts=1, token_retry_max=0.3) as fast:
        with pytest.raises(soter_verify.TokenError) as first:
            default.soter_verify_signature("o", doc, sig)
        with pytest.raises(soter_verify.TokenError) as held:
            default.soter_verify_signature("o", doc, sig)
        assert re.fullmatch(
            r"no access token: holding for 1 s after the fetch at \d\d:\d\d:\d\d UTC failed: .+", held.value.message
        ), held.value.message
        assert held.value.message.endswith(first.value.message)
        assert held.value.errcode == first.value.errcode
        assert emu.requests_to("/cgi-bin/stable_token") == 1, "no fetch during the hold"
        # A 0.3 s ceiling: held for at most 300 ms, then fetched again.
        with pytest.raises(soter_verify.TokenError):
            fast.soter_verify_signature("o", doc, sig)
        with pytest.raises(soter_verify.TokenError) as short:
            fast.soter_verify_signature("o", doc, sig)
        m = re.match(r"no access token: holding for (\d+) ms after ", short.value.message)
        assert m and int(m.group(1)) <= 300, short.value.message
        assert emu.requests_to("/cgi-bin/stable_token") == 2
        time.sleep(0.35)
        emu.clear_faults()
        assert fast.soter_verify_signature("o", doc, sig)
        assert emu.requests_to("/cgi-bin/stable_token") == 3


@pytest.mark.parametrize("value", [0, -1.0, float("nan"), 3601])
def test_token_retry_max_is_refused_like_the_timeouts(value: float) -> None:
    with pytest.raises(soter_verify.InvalidArgument):
        WeChatClient("wx", "s", base_url="http://127.0.0.1:9", token_retry_max=value)
    WeChatClient("wx", "s", base_url="http://127.0.0.1:9", token_retry_max=3600).close()


def test_config_errors_before_any_connection() -> None:
    # Settings are refused at construction; no connection is attempted.
    with pytest.raises(soter_verify.ConfigError):
        WeChatClient("wx", "s", base_url="http://192.0.2.1")  # plain http to a remote host
    with pytest.raises(soter_verify.ConfigError):
        WeChatClient("wx", "s", base_url="not a url")
    with pytest.raises(soter_verify.ConfigError):
        WeChatClient("wx", "s", proxy="ftp://proxy")


@pytest.mark.parametrize(
    "kwargs",
    [{"timeout": 0}, {"timeout": -1.0}, {"timeout": float("nan")}, {"max_attempts": 0},
     {"max_attempts": 11}, {"connect_timeout": 0.0}, {"attempt_timeout": 0}, {"timeout": float("inf")}],
)
def test_bad_option_values(kwargs: dict[str, object]) -> None:
    with pytest.raises(soter_verify.InvalidArgument):
        WeChatClient("wx", "s", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [{"timeout": "5"}, {"max_attempts": 2.0}, {"base_url": b"http://127.0.0.1:1"}, {"proxy": 1}],
)
def test_bad_option_types(kwargs: dict[str, object]) -> None:
    with pytest.raises(TypeError):
        WeChatClient("wx", "s", **kwargs)  # type: ignore[arg-type]


def test_client_argument_types(client: WeChatClient) -> None:
    with pytest.raises(TypeError, match="appid"):
        WeChatClient(None, "s")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="openid"):
        client.soter_verify_signature(None, b"{}", "sig")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="json_string"):
        client.soter_verify_signature("o", None, "sig")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="json_signature"):
        client.soter_verify_signature("o", b"{}", 1)  # type: ignore[arg-type]


# ---- lifetime and threads --------------------------------------------------------------------

def test_client_close_and_use_after_close(emu: WeChatEmulator) -> None:
    c = emu.client()
    assert "wx-test-app" in repr(c)
    c.close()
    c.close()
    assert c.closed and "closed" in repr(c)
    with pytest.raises(ValueError, match="WeChatClient is closed"):
        c.soter_verify_signature("o", b"{}", "x")
    with pytest.raises(ValueError):
        c.stats()


def test_threads_share_one_client(emu: WeChatEmulator, phone: Device) -> None:
    emu.register_device("o", phone.public_key_pem)
    doc, sig = phone.sign_result("c")
    bad = doc + b" "
    errors: list[str] = []
    with emu.client() as c:
        def worker(t: int) -> None:
            for i in range(25):
                expected = (t + i) % 3 != 0
                got = c.soter_verify_signature("o", doc if expected else bad, sig)
                if got is not expected:
                    errors.append(f"{t}/{i}: {got}")

        threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert errors == []
        assert c.stats().token_fetches == 1  # single flight
    assert emu.requests_to(VERIFY_SIGNATURE) == 200


def test_close_while_calls_in_flight(emu: WeChatEmulator, phone: Device) -> None:
    emu.register_device("o", phone.public_key_pem)
    doc, sig = phone.sign_result("c")
    c = emu.client()
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(30):
            try:
                res = "ok" if c.soter_verify_signature("o", doc, sig) else "false"
            except ValueError:
                res = "closed"
            with lock:
                outcomes.append(res)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for th in threads:
        th.start()
    c.close()
    for th in threads:
        th.join()
    assert len(outcomes) == 120 and set(outcomes) <= {"ok", "closed"}


def test_client_calls_keep_memory_flat(emu: WeChatEmulator, phone: Device) -> None:
    from test_threads_memory import _rss_bytes

    emu.register_device("o", phone.public_key_pem)
    emu.register_person("p", NAME, ID_NUMBER)
    doc, sig = phone.sign_result("c")
    with emu.client() as c:
        def round_(i: int) -> None:
            if i % 4 == 0:
                assert c.soter_verify_signature("o", doc, sig)
            elif i % 4 == 1:
                try:
                    c.soter_verify_signature("nobody", doc, sig)
                except soter_verify.WeChatApiError:
                    pass
            elif i % 4 == 2:
                with c.face_get_info(emu.issue_verify_result("p")) as info:
                    assert info.passed
            else:
                c.stats()

        for i in range(500):
            round_(i)
        before = _rss_bytes()
        for i in range(3000):
            round_(i)
        growth = _rss_bytes() - before
    assert growth < 2 * 1024 * 1024, f"RSS grew by {growth} bytes over 3000 client calls"
