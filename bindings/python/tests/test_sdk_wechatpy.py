"""The emulator as a widely used WeChat SDK sees it: wechatpy (pinned in tests/requirements.txt)
pointed at the emulator on 127.0.0.1 the way the READMEs tell users to do it in their CI, checking
through the SDK's own calls, retries and exceptions that the emulator answers as WeChat documents."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import skip_unless_wechat

skip_unless_wechat()

try:
    from wechatpy import WeChatClient  # type: ignore[import-untyped]
    from wechatpy.exceptions import WeChatClientException  # type: ignore[import-untyped]
except ImportError as e:
    # run-tests.sh (make test, CI) installs tests/requirements.txt: there a missing SDK is a
    # broken environment, not a reason to skip.
    if os.environ.get("SOTER_WHEEL_TEST") == "1":
        raise RuntimeError(
            "wechatpy is not installed, but run-tests.sh installs tests/requirements.txt"
        ) from e
    pytest.skip(
        "SKIPPED: wechatpy is not installed (pip install -r bindings/python/tests/requirements.txt)",
        allow_module_level=True,
    )

from soter_verify.testing import Device, WeChatEmulator  # noqa: E402

TOKEN = "/cgi-bin/token"
VERIFY_SIGNATURE = "/cgi-bin/soter/verify_signature"
OPENID = "openid-1"


class EmulatedWeChatClient(WeChatClient):  # type: ignore[misc]
    """wechatpy's WeChatClient on the emulator, as the READMEs show it. API calls follow
    API_BASE_URL; wechatpy 1.8 fetches tokens from a fixed https://api.weixin.qq.com URL, so
    fetch_access_token (the method wechatpy's own clients override) follows it too."""

    def __init__(self, base_url: str, appid: Any, secret: Any, **kwargs: Any) -> None:
        super().__init__(appid, secret, **kwargs)
        self.API_BASE_URL = base_url + "/cgi-bin/"

    def fetch_access_token(self) -> Any:
        return self._fetch_access_token(
            url=self.API_BASE_URL + "token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    # requests would send even 127.0.0.1 through a proxy named in the environment: loopback only.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def emu() -> Iterator[WeChatEmulator]:
    with WeChatEmulator("wx-sdk-app", "sdk-secret") as e:
        yield e


@pytest.fixture(scope="module")
def phone() -> Iterator[Device]:
    with Device() as d:
        yield d


@pytest.fixture
def registered(emu: WeChatEmulator, phone: Device) -> WeChatEmulator:
    emu.register_device(OPENID, phone.public_key_pem)
    return emu


def client_for(emu: WeChatEmulator, **kwargs: Any) -> EmulatedWeChatClient:
    return EmulatedWeChatClient(emu.base_url, emu.appid, emu.secret, timeout=10, **kwargs)


def verify_signature(client: EmulatedWeChatClient, json_string: bytes, signature: str) -> Any:
    # wechatpy has no SOTER helper: its generic post, as a user's code would call it.
    return client.post(
        "soter/verify_signature",
        data={"openid": OPENID, "json_string": json_string.decode(), "json_signature": signature},
    )


def test_token_from_cgi_bin_token_then_verify_signature(registered: WeChatEmulator, phone: Device) -> None:
    client = client_for(registered)
    token = client.access_token
    assert token and registered.requests_to(TOKEN) == 1
    assert registered.counters().token_issues == 1

    doc, sig = phone.sign_result("challenge-sdk")
    assert verify_signature(client, doc, sig) == {"errcode": 0, "errmsg": "ok", "is_ok": True}

    # A tampered result, and a genuine signature over other bytes: errcode 0 with is_ok false,
    # which wechatpy returns rather than raises (the caller must read is_ok).
    tampered = doc.replace(b'"raw":"challenge-sdk"', b'"raw":"challenge-sdX"')
    assert tampered != doc
    assert verify_signature(client, tampered, sig) == {"errcode": 0, "errmsg": "ok", "is_ok": False}
    other_doc, other_sig = phone.sign_result("another-challenge")
    assert verify_signature(client, doc, other_sig)["is_ok"] is False
    assert verify_signature(client, other_doc, other_sig)["is_ok"] is True

    # wechatpy sends UTF-8 JSON (ensure_ascii=False): the emulator verifies the decoded bytes.
    uni_doc, uni_sig = phone.sign_result('挑战/\\"é')
    assert verify_signature(client, uni_doc, uni_sig)["is_ok"] is True

    # One token for every call, over one kept-alive connection.
    assert registered.requests_to(TOKEN) == 1
    assert registered.requests_to(VERIFY_SIGNATURE) == 5
    assert registered.counters().connections == 1
    assert client.access_token == token


def test_expired_token_is_42001_and_wechatpy_refreshes_and_retries(
    registered: WeChatEmulator, phone: Device
) -> None:
    doc, sig = phone.sign_result("challenge-expiry")
    strict = client_for(registered, auto_retry=False)
    client = client_for(registered)
    assert verify_signature(strict, doc, sig)["is_ok"] is True
    assert verify_signature(client, doc, sig)["is_ok"] is True
    old = client.access_token

    registered.expire_tokens()
    with pytest.raises(WeChatClientException) as raised:
        verify_signature(strict, doc, sig)
    assert (raised.value.errcode, raised.value.errmsg) == (42001, "access_token expired")

    before = registered.requests_to(TOKEN)
    calls = registered.requests_to(VERIFY_SIGNATURE)
    assert verify_signature(client, doc, sig)["is_ok"] is True
    # wechatpy's own path: 42001, one fetch from /cgi-bin/token, the call again with the new token.
    assert registered.requests_to(TOKEN) == before + 1
    assert registered.requests_to(VERIFY_SIGNATURE) == calls + 2
    assert client.access_token != old


def test_unknown_token_is_40001_and_wechatpy_refreshes_and_retries(
    registered: WeChatEmulator, phone: Device
) -> None:
    # A token handed to the SDK (access_token=...) that WeChat does not know: 40001.
    doc, sig = phone.sign_result("challenge-unknown-token")
    strict = client_for(registered, access_token="not-a-token-wechat-issued", auto_retry=False)
    with pytest.raises(WeChatClientException) as raised:
        verify_signature(strict, doc, sig)
    assert raised.value.errcode == 40001
    assert registered.requests_to(TOKEN) == 0

    client = client_for(registered, access_token="not-a-token-wechat-issued")
    assert verify_signature(client, doc, sig)["is_ok"] is True
    assert registered.requests_to(TOKEN) == 1
    assert registered.requests_to(VERIFY_SIGNATURE) == 3


def test_documented_errcodes_surface_as_wechat_client_exception(
    registered: WeChatEmulator, phone: Device
) -> None:
    client = client_for(registered)
    client.access_token  # noqa: B018 (fetch the token first: the cases below must not refetch it)

    with pytest.raises(WeChatClientException) as raised:
        client.get("soter/verify_signature")
    assert (raised.value.errcode, raised.value.errmsg) == (43002, "require POST method")

    with pytest.raises(WeChatClientException) as raised:
        client.post("soter/verify_signature", data=b"")
    assert (raised.value.errcode, raised.value.errmsg) == (44002, "empty post data")

    with pytest.raises(WeChatClientException) as raised:
        client.post("soter/verify_signature", data=b"[1,2]")
    assert raised.value.errcode == 47001

    with pytest.raises(WeChatClientException) as raised:
        client.post("soter/verify_signature", data={"openid": "nobody", "json_string": "{}", "json_signature": "AA=="})
    assert raised.value.errcode == 40003

    # None of these is a token error: wechatpy neither refetched the token nor retried.
    assert registered.requests_to(TOKEN) == 1
    assert registered.requests_to(VERIFY_SIGNATURE) == 4


@pytest.mark.parametrize(
    ("appid", "secret", "errcode", "errmsg"),
    [
        (None, "sdk-secret", 41002, "appid missing"),  # requests leaves a None parameter out
        ("wx-other-app", "sdk-secret", 40013, "invalid appid"),
        ("wx-sdk-app", "wrong-secret", 40125, "invalid appsecret"),
        ("wx-sdk-app", None, 41004, "appsecret missing"),
    ],
)
def test_token_endpoint_errcodes(
    emu: WeChatEmulator, appid: str | None, secret: str | None, errcode: int, errmsg: str
) -> None:
    client = EmulatedWeChatClient(emu.base_url, appid, secret, timeout=10)
    with pytest.raises(WeChatClientException) as raised:
        client.post("soter/verify_signature", data={"openid": OPENID, "json_string": "{}", "json_signature": "AA=="})
    assert (raised.value.errcode, raised.value.errmsg) == (errcode, errmsg)
    assert emu.requests_to(TOKEN) == 1 and emu.requests_to(VERIFY_SIGNATURE) == 0
    # The answer to a wrong secret does not echo either secret.
    body = raised.value.response.text
    assert "sdk-secret" not in body and "wrong-secret" not in body


def test_stable_token_forced_refreshes_within_30_s_do_not_refresh(
    registered: WeChatEmulator, phone: Device
) -> None:
    # wechatpy 1.8 has no stable_token helper; two servers of one app call it with the generic post.
    server_a, server_b = client_for(registered), client_for(registered)
    body = {"grant_type": "client_credential", "appid": registered.appid, "secret": registered.secret}
    first = server_a.post("stable_token", data={**body, "force_refresh": True})
    second = server_b.post("stable_token", data={**body, "force_refresh": True})
    plain = server_b.post("stable_token", data=body)
    assert first["access_token"] == second["access_token"] == plain["access_token"]
    assert 300 <= second["expires_in"] <= 7200

    # The token from the first forced call still works for a server that was handed it.
    doc, sig = phone.sign_result("challenge-stable")
    shared = client_for(registered, access_token=first["access_token"], auto_retry=False)
    assert verify_signature(shared, doc, sig)["is_ok"] is True
