"""ResultJson.parse: typed fields, extras in document order, immutability, errors."""

from __future__ import annotations

import dataclasses

import pytest

import soter_verify
from conftest import result_json
from soter_verify import ResultJson


def test_parse_fields() -> None:
    r = ResultJson.parse(result_json())
    assert (r.raw, r.fid, r.counter, r.tee_n, r.tee_v, r.fp_n, r.fp_v, r.cpu_id, r.uid) == (
        "challenge-1", "2313170", 7, "TEE", "1", "FPC", "6516", "cpu-0001", "10115",
    )
    assert r.rsa_pss_saltlen is None
    assert r.extra == {}
    assert r.extra_values() == {}


def test_parse_accepts_str_bytearray_memoryview() -> None:
    doc = result_json()
    expected = ResultJson.parse(doc)
    assert ResultJson.parse(doc.decode()) == expected
    assert ResultJson.parse(bytearray(doc)) == expected
    assert ResultJson.parse(memoryview(doc)) == expected
    assert hash(ResultJson.parse(doc)) == hash(expected)


def test_extra_fields_in_document_order_as_raw_json() -> None:
    doc = result_json(extra=',"zeta":"z","bo_t":12,"fc_n":{"a":[1, 2]},"alpha":null,"rsa_pss_saltlen":32')
    r = ResultJson.parse(doc)
    assert r.rsa_pss_saltlen == 32
    assert list(r.extra) == ["zeta", "bo_t", "fc_n", "alpha"]
    assert r.extra == {"zeta": '"z"', "bo_t": "12", "fc_n": '{"a":[1, 2]}', "alpha": "null"}
    assert r.extra_values() == {"zeta": "z", "bo_t": 12, "fc_n": {"a": [1, 2]}, "alpha": None}


def test_optional_fields_absent_read_empty() -> None:
    r = ResultJson.parse(b'{"raw":"c","counter":1,"cpu_id":"cpu","uid":"u"}')
    assert (r.fid, r.tee_n, r.tee_v, r.fp_n, r.fp_v) == ("", "", "", "", "")


def test_escapes_and_unicode_are_decoded() -> None:
    doc = '{"raw":"a\\/b\\u4e2d\n文","counter":18446744073709551615,"cpu_id":"c","uid":"u"}'.encode()
    r = ResultJson.parse(doc)
    assert r.raw == "a/b中\n文"
    assert r.counter == 2**64 - 1


def test_immutable() -> None:
    r = ResultJson.parse(result_json())
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.raw = "other"  # type: ignore[misc]
    extra = ResultJson.parse(result_json(extra=',"x":1')).extra
    extra["x"] = "2"
    assert ResultJson.parse(result_json(extra=',"x":1')).extra == {"x": "1"}


def test_parse_errors() -> None:
    with pytest.raises(soter_verify.InvalidJson, match="counter"):
        ResultJson.parse(b'{"raw":"c","cpu_id":"c","uid":"u"}')
    with pytest.raises(soter_verify.InvalidJson):
        ResultJson.parse(b'{"raw":"c",')
    with pytest.raises(soter_verify.InvalidJson):
        ResultJson.parse(b'{"raw":1,"counter":1,"cpu_id":"c","uid":"u"}')
    with pytest.raises(soter_verify.DuplicateField):
        ResultJson.parse(b'{"raw":"c","raw":"d","counter":1,"cpu_id":"c","uid":"u"}')
    with pytest.raises(soter_verify.InvalidInput):
        ResultJson.parse(b"")
    with pytest.raises(soter_verify.InvalidInput):
        ResultJson.parse(b'{"raw":"\xff"}')
    with pytest.raises(soter_verify.InputTooLarge):
        ResultJson.parse(b" " * (64 * 1024 + 1))
    with pytest.raises(soter_verify.InvalidJson):
        ResultJson.parse(result_json() + b"trailing")


@pytest.mark.parametrize("bad", [None, 0, {"raw": "c"}, 3.0])
def test_parse_wrong_types(bad: object) -> None:
    with pytest.raises(TypeError, match="data must be"):
        ResultJson.parse(bad)  # type: ignore[arg-type]


def test_fields_beyond_the_first_read_buffer() -> None:
    # The packed fields of this document do not fit the wrapper's first 1 KiB buffer.
    big = "x" * 3000
    doc = result_json(extra=f',"bo_t":"{big}","fc_n":"\u4e2d"').decode()
    r = ResultJson.parse(doc)
    assert r.extra == {"bo_t": f'"{big}"', "fc_n": '"\u4e2d"'}
    assert r.raw == "challenge-1" and r.uid == "10115"


def test_large_documents_release_the_gil_path() -> None:
    # Over 4 KiB, parse goes through the (pointer, length) export that releases the GIL.
    big = "y" * 5000
    r = ResultJson.parse(result_json(extra=f',"bo_t":"{big}","x":1'))
    assert r.extra == {"bo_t": f'"{big}"', "x": "1"}
    assert r.raw == "challenge-1" and r.counter == 7 and r.uid == "10115"


def test_parsed_results_behave_as_dataclasses() -> None:
    r = ResultJson.parse(result_json(extra=',"x":1'))
    assert dataclasses.asdict(r)["counter"] == 7
    assert dataclasses.replace(r, counter=8).counter == 8
    assert "counter=7" in repr(r) and "_extra" not in repr(r)
