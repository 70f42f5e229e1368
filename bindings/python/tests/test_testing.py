"""soter_verify.testing: WeChatEmulator, Device, TestKeyPair as building blocks for users' tests."""

from __future__ import annotations

import base64
import gc
import json
import weakref

import pytest

import soter_verify
from conftest import skip_unless_wechat
from soter_verify import _native

skip_unless_wechat()

from soter_verify.testing import FAULTS, VERIFY_RET_MISMATCH, Device, TestKeyPair, WeChatEmulator  # noqa: E402


def test_docstring_example() -> None:
    from soter_verify import WeChatClient, new_challenge

    with WeChatEmulator() as wechat, Device() as phone:
        wechat.register_device("openid-1", phone.public_key_pem)
        challenge = new_challenge()
        result_json, signature = phone.sign_result(challenge)
        with WeChatClient(wechat.appid, wechat.secret, base_url=wechat.base_url) as client:
            assert client.soter_verify_signature("openid-1", result_json, signature)


def test_device_identity_and_counter() -> None:
    with Device() as d:
        assert len(d.cpu_id) >= 16 and d.uid
        assert d.public_key.bits == 2048
        assert d.public_key_pem.startswith("-----BEGIN PUBLIC KEY-----")
        doc1, sig1 = d.sign_result("c1")
        doc2, _ = d.sign_result("c2")
        r1, r2 = soter_verify.ResultJson.parse(doc1), soter_verify.ResultJson.parse(doc2)
        assert (r1.raw, r2.raw) == ("c1", "c2")
        assert r2.counter > r1.counter
        assert (r1.cpu_id, r1.uid) == (d.cpu_id, d.uid)
        assert len(base64.b64decode(sig1, validate=True)) == 256
        assert "Device" in repr(d)
    assert d.closed
    with pytest.raises(ValueError, match="Device is closed"):
        d.sign_result("c")


def test_device_salt_len_and_unicode_challenge() -> None:
    with Device() as d:
        doc, sig = d.sign_result("挑战/\\\"", salt_len=32)
        r = soter_verify.ResultJson.parse(doc)
        assert r.raw == "挑战/\\\"" and r.rsa_pss_saltlen == 32
        assert d.public_key.verify(doc, sig)


def test_device_3072_bits() -> None:
    with Device(3072) as d:
        assert d.public_key.bits == 3072
        doc, sig = d.sign_result("c")
        assert d.public_key.verify(doc, sig)


def test_device_bad_arguments() -> None:
    with pytest.raises(soter_verify.InvalidArgument):
        Device(1024)
    with pytest.raises(TypeError):
        Device("2048")  # type: ignore[arg-type]
    with Device() as d:
        with pytest.raises(TypeError):
            d.sign_result(None)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            d.sign_result("c", salt_len="20")  # type: ignore[arg-type]
        with pytest.raises(soter_verify.InvalidArgument):
            d.sign_result("c", salt_len=-1)
        with pytest.raises(soter_verify.SoterError):
            d.sign_result("c", salt_len=10_000)  # beyond the key's maximum
        with pytest.raises(TypeError):
            d.signed_auth_key("ask")  # type: ignore[arg-type]


def test_auth_key_flow_with_simulated_ask() -> None:
    with TestKeyPair.generate() as ask, Device() as d:
        doc, sig = d.signed_auth_key(ask)
        fields = json.loads(doc)
        assert fields["cpu_id"] == d.cpu_id
        with soter_verify.verify_auth_key(ask.public_key, doc, sig) as ak:
            assert ak.public_key == d.public_key
            assert (ak.cpu_id, ak.uid) == (d.cpu_id, d.uid)
        with TestKeyPair.generate() as other:
            with pytest.raises(soter_verify.SignatureInvalid):
                soter_verify.verify_auth_key(other.public_key, doc, sig)
    assert repr(ask) == "<TestKeyPair>"
    with pytest.raises(TypeError):
        TestKeyPair()
    with pytest.raises(soter_verify.InvalidArgument):
        TestKeyPair.generate(1000)


def test_emulator_basics() -> None:
    e = WeChatEmulator("wx-a", "sec")
    assert e.appid == "wx-a" and e.secret == "sec"
    assert e.base_url.startswith("http://127.0.0.1:") and e.base_url in repr(e)
    c0 = e.counters()
    assert c0.total_requests == 0 and c0.connections == 0
    e.stop()
    e.stop()
    e.close()
    e.close()
    with pytest.raises(ValueError, match="closed"):
        e.counters()


def test_emulator_listen_and_counters() -> None:
    with WeChatEmulator(listen="127.0.0.1:0", token_lifetime=60) as e, Device() as d:
        e.register_device("o", d.public_key_pem)
        doc, sig = d.sign_result("c")
        with e.client() as c:
            assert c.soter_verify_signature("o", doc, sig)
        counters = e.counters()
        assert counters.total_requests == 2 and counters.token_requests == 1
        assert counters.token_issues == 1 and counters.verify_signature_requests == 1
        assert counters.connections >= 1 and counters.faults_applied == 0
        assert e.requests_to("/cgi-bin/stable_token") == 1
        e.reset_counters()
        assert e.counters().total_requests == 0


def test_emulator_refuses_non_loopback() -> None:
    with pytest.raises(soter_verify.ConfigError):
        WeChatEmulator(listen="0.0.0.0:0")


def test_emulator_port_in_use() -> None:
    with WeChatEmulator() as e:
        port = e.base_url.rsplit(":", 1)[1]
        with pytest.raises(soter_verify.NetworkError):
            WeChatEmulator(listen=f"127.0.0.1:{port}")


def test_emulator_argument_errors() -> None:
    with WeChatEmulator() as e:
        assert "system_busy" in FAULTS and len(FAULTS) == 7
        with pytest.raises(soter_verify.InvalidArgument, match="unknown fault"):
            e.inject_fault("meteor")
        with pytest.raises(soter_verify.InvalidArgument):
            e.inject_fault("delay", 0)
        with pytest.raises(soter_verify.InvalidArgument):
            e.inject_fault("delay", 1, delay=-1)
        with pytest.raises(TypeError):
            e.inject_fault("delay", "1")  # type: ignore[arg-type]
        with pytest.raises(soter_verify.InvalidKey):
            e.register_device("o", b"not a key")
        with pytest.raises(TypeError):
            e.register_device(None, b"k")  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            e.register_person("o", "n", "1", identify_ret="0")  # type: ignore[arg-type]
        with pytest.raises(soter_verify.SoterError):
            e.issue_verify_result("nobody")
        with pytest.raises(soter_verify.InvalidArgument):
            e.add_token("t", 0)
        assert VERIFY_RET_MISMATCH == 90011


def test_handles_are_finalized() -> None:
    from soter_verify._handle import _LIVE

    e = WeChatEmulator()
    d = Device()
    ids = [id(e), id(d)]
    assert all(i in _LIVE for i in ids)
    refs = [weakref.ref(e), weakref.ref(d)]
    del e, d
    gc.collect()
    assert all(r() is None for r in refs)
    assert not any(i in _LIVE for i in ids)


def test_keypair_is_a_deprecated_alias_of_testkeypair() -> None:
    import soter_verify.testing as t

    with pytest.warns(DeprecationWarning, match="TestKeyPair"):
        alias = t.KeyPair  # type: ignore[attr-defined]
    assert alias is TestKeyPair
    assert "KeyPair" not in t.__all__
    with pytest.raises(AttributeError):
        t.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018
