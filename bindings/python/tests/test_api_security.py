"""WeChat's API security mode: the published getuserriskrank example and the emulator."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from soter_verify import (
    ApiSecurity,
    ConfigError,
    MalformedResponse,
    PublicKey,
    SignatureInvalid,
    WeChatApiError,
    WeChatClient,
    new_challenge,
)
from soter_verify.testing import Device, WeChatEmulator

from conftest import REPO_ROOT

DIR = REPO_ROOT / "tests" / "vectors" / "wechat-api-security"


@pytest.fixture(scope="module")
def v() -> Any:
    return json.loads((DIR / "getuserriskrank.json").read_text())


def _sec(v: Any, certs: bool = True) -> ApiSecurity:
    return ApiSecurity(
        appid=v["appid"],
        sym_key=v["sym_key_base64"],
        sym_sn=v["sym_sn"],
        app_private_key=v["app_private_key_pem"],
        app_key_sn=v["app_key_sn"],
        platform_certs={v["platform_cert_sn"]: v["platform_cert_pem"]} if certs else {},
    )


def test_seal_reproduces_the_published_body(v: Any) -> None:
    req = v["request"]
    body, headers = _sec(v).seal(
        v["url"], req["params_in_order"], timestamp=req["timestamp"], nonce=req["nonce"],
        iv=base64.b64decode(req["iv_base64"]),
    )
    assert body == req["body"]
    assert headers["Wechatmp-Appid"] == v["appid"]
    assert headers["Wechatmp-TimeStamp"] == "1635927954"
    assert headers["Wechatmp-Serial"] == v["app_key_sn"]
    public = PublicKey.load((DIR / "app_public_key.pem").read_bytes())
    signed = f"{v['url']}\n{v['appid']}\n1635927954\n{body}"
    assert public.verify(signed, req["signature_base64"], salt_len=32)
    assert public.verify(signed, headers["Wechatmp-Signature"], salt_len=32)


def test_open_gives_the_documented_json(v: Any) -> None:
    resp = v["response"]
    got = _sec(v).open(v["url"], resp["body"], resp["headers"], now=1635927960)
    assert got == {"errcode": 0, "errmsg": "getuserriskrank succ", "risk_rank": 0, "unoin_id": 2258658297}


def test_each_fault_has_its_error(v: Any) -> None:
    resp = v["response"]
    url, body, headers = v["url"], resp["body"], resp["headers"]
    sec = _sec(v)
    with pytest.raises(SignatureInvalid, match="the response signature does not verify"):
        sec.open(url, body.replace('"iv":"r', '"iv":"R'), headers, now=1635927960)
    with pytest.raises(SignatureInvalid, match="more than 300 s from now"):
        sec.open(url, body, headers, now=1635927956 + 301)
    with pytest.raises(SignatureInvalid, match="unknown platform certificate serial"):
        _sec(v, certs=False).open(url, body, headers, now=1635927960)
    with pytest.raises(SignatureInvalid, match="the response signature does not verify"):
        sec.open("https://api.weixin.qq.com/wxa/other", body, headers, now=1635927960)
    with pytest.raises(MalformedResponse, match="Wechatmp-Appid is not ours"):
        sec.open(url, body, {**headers, "Wechatmp-Appid": "wx0000000000000000"}, now=1635927960)
    with pytest.raises(WeChatApiError) as e:
        sec.open(url, '{"errcode":40234,"errmsg":"x"}', {}, now=1635927960)
    assert e.value.errcode == 40234


def test_keys_stay_out_of_repr_and_errors(v: Any) -> None:
    r = repr(_sec(v))
    assert v["sym_key_base64"] not in r and "MIIE" not in r and "<hidden>" in r
    with pytest.raises(Exception) as e:
        ApiSecurity(appid="wx", sym_key="c2hvcnQ=", sym_sn="s", app_private_key=v["app_private_key_pem"], app_key_sn="k")
    assert "c2hvcnQ" not in str(e.value) and "MIIE" not in str(e.value)


def test_end_to_end_on_the_emulator() -> None:
    with WeChatEmulator(api_security=True) as emu:
        sec = emu.api_security
        assert sec.seals("/cgi-bin/soter/verify_signature")
        dev = Device()
        emu.register_device("o1", dev.public_key_pem)
        json_string, sig = dev.sign_result(new_challenge())
        with emu.client(api_security=sec) as sealed:
            assert sealed.soter_verify_signature("o1", json_string, sig) is True
        with emu.client() as plain:
            with pytest.raises(WeChatApiError) as e:
                plain.soter_verify_signature("o1", json_string, sig)
            assert e.value.errcode == 40230
        with pytest.raises(ConfigError):
            WeChatClient("wx_other", "s", base_url=emu.base_url, api_security=sec)


def test_async_client_takes_the_setting() -> None:
    import asyncio

    from soter_verify.aio import AsyncWeChatClient

    with WeChatEmulator(api_security=True) as emu:
        dev = Device()
        emu.register_device("o1", dev.public_key_pem)
        json_string, sig = dev.sign_result(new_challenge())

        async def main() -> bool:
            async with AsyncWeChatClient(emu.appid, emu.secret, base_url=emu.base_url, api_security=emu.api_security) as c:
                return await c.soter_verify_signature("o1", json_string, sig)

        assert asyncio.run(main()) is True
