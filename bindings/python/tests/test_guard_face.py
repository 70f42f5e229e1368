"""ReplayGuard face steps (issue 21): a legacy ticket used once and bound to its user; a
verify_id session issued per subject and used up by the first call WeChat answered. On memory
and a real Redis, against the emulator."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from conftest import RedisServer
from soter_verify import (
    CertInfo,
    ChallengeMismatch,
    InvalidArgument,
    NetworkError,
    ReplayGuard,
    SignatureInvalid,
    VerificationFailed,
    WeChatApiError,
    WeChatClient,
)
from soter_verify.testing import WeChatEmulator

NAME, ID = "张三", "310101199801011234"
QUERY = "/cityservice/face/identify/queryverifyinfo"


@pytest.fixture(params=["memory", "redis"])
def guards(request: pytest.FixtureRequest) -> Iterator[tuple[ReplayGuard, ReplayGuard]]:
    """Two guards on one store: two servers of one backend."""
    if request.param == "memory":
        g = ReplayGuard()
        pair = (g, g)
    else:
        server: RedisServer = request.getfixturevalue("shared_redis")
        prefix = f"face{time.monotonic_ns()}:"
        pair = (ReplayGuard.redis(server.url, prefix=prefix), ReplayGuard.redis(server.url, prefix=prefix))
    yield pair
    for g in pair:
        g.close()


@pytest.fixture
def emu() -> Iterator[WeChatEmulator]:
    # The guard refuses a used ticket itself; the emulator lets a second use through so that
    # the guard's refusal is what is checked.
    with WeChatEmulator("wxface", "face-secret", reusable_tickets=True) as e:
        e.register_person("o_a", NAME, ID)
        e.register_person("o_b", "李四", ID)
        e.register_person("o_fail", NAME, ID, identify_ret=90100)
        e.register_person("o_cancel", NAME, ID, verify_ret=90003)
        yield e


@pytest.fixture
def client(emu: WeChatEmulator) -> Iterator[WeChatClient]:
    with emu.client(max_attempts=1) as c:
        yield c


def test_legacy_ticket_is_used_once_and_bound(
    guards: tuple[ReplayGuard, ReplayGuard], emu: WeChatEmulator, client: WeChatClient
) -> None:
    g, other = guards
    ticket = emu.issue_verify_result("o_a")
    with g.face_get_info(client, ticket, "o_a") as info:
        assert info.passed_for(NAME, ID)
    asked = emu.requests_to("/cityservice/face/identify/getinfo")
    for guard in (g, other):
        with pytest.raises(ChallengeMismatch, match="already used") as e:
            guard.face_get_info(client, ticket, "o_a", max_age=600)
        assert ticket not in str(e.value)
    assert emu.requests_to("/cityservice/face/identify/getinfo") == asked, "refused before WeChat is asked"
    with pytest.raises(ChallengeMismatch, match="another user"):
        g.face_get_info(client, emu.issue_verify_result("o_b"), "o_a")
    with pytest.raises(SignatureInvalid, match="identify_ret 90100") as failed:
        g.face_get_info(client, emu.issue_verify_result("o_fail"), "o_fail")
    assert isinstance(failed.value, VerificationFailed)
    for bad in (0, -1, 86401, float("nan")):
        with pytest.raises(InvalidArgument):
            g.face_get_info(client, "t", "o_a", max_age=bad)
    with pytest.raises(TypeError):
        g.face_get_info(client, "t", "o_a", max_age="600")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        g.face_get_info("client", "t", "o_a")  # type: ignore[arg-type]


def test_old_results_are_refused(emu: WeChatEmulator, client: WeChatClient) -> None:
    ticket = emu.issue_verify_result("o_a")
    time.sleep(2.1)  # identify_time is the ticket's issue time, in whole seconds
    with ReplayGuard() as g, pytest.raises(SignatureInvalid, match="above max_age 1s"):
        g.face_get_info(client, ticket, "o_a", max_age=1)


def test_session_is_the_subjects_and_used_up_by_the_first_answer(
    guards: tuple[ReplayGuard, ReplayGuard], emu: WeChatEmulator, client: WeChatClient
) -> None:
    g, other = guards
    cert = CertInfo(NAME, ID)
    vid = g.face_start(client, "o_a", cert)
    assert vid.verify_id and vid.expires_in == 3600
    with pytest.raises(ChallengeMismatch):
        g.face_finish(client, "no-such-verify-id", "o_a", cert)
    with pytest.raises(ChallengeMismatch):
        other.face_finish(client, vid.verify_id, "o_b", cert)
    with pytest.raises(ChallengeMismatch, match="identity document"):
        g.face_finish(client, vid.verify_id, "o_a", CertInfo("李四", ID))
    # No answer: the session stays usable.
    emu.inject_fault("drop_connection", count=None, path=QUERY)
    with pytest.raises(NetworkError):
        g.face_finish(client, vid.verify_id, "o_a", cert)
    emu.clear_faults()
    info = other.face_finish(client, vid.verify_id, "o_a", cert)
    assert info.passed and info.outcome == "passed" and info.verify_ret == 10000
    with pytest.raises(ChallengeMismatch):
        g.face_finish(client, vid.verify_id, "o_a", cert)
    # An answer that is an error uses it up too: WeChat saw the query.
    vid = g.face_start(client, "o_a", cert, out_seq_no="py-seq-1", ttl=60)
    emu.inject_fault("system_busy", count=None, path=QUERY)
    with pytest.raises(WeChatApiError):
        g.face_finish(client, vid.verify_id, "o_a", cert)
    emu.clear_faults()
    with pytest.raises(ChallengeMismatch):
        g.face_finish(client, vid.verify_id, "o_a", cert)
    # verify_ret other than 10000: refused, the outcome named.
    vid = g.face_start(client, "o_cancel", cert)
    with pytest.raises(SignatureInvalid, match="user_cancelled"):
        g.face_finish(client, vid.verify_id, "o_cancel", cert)
    with pytest.raises(InvalidArgument):
        g.face_start(client, "o_a", cert, ttl=0)
    with pytest.raises(TypeError):
        g.face_start(client, "o_a", ("name", "id"))  # type: ignore[arg-type]


def test_emulator_refuses_a_redeemed_ticket() -> None:
    with WeChatEmulator("wxface", "face-secret") as emu, emu.client() as c:
        emu.register_person("o_a", NAME, ID)
        ticket = emu.issue_verify_result("o_a")
        assert c.face_get_info(ticket).passed
        with pytest.raises(WeChatApiError) as e:
            c.face_get_info(ticket)
        assert e.value.errcode == 84001
        emu.set_reusable_tickets(True)
        assert c.face_get_info(ticket).passed
        with pytest.raises(TypeError):
            emu.set_reusable_tickets(1)  # type: ignore[arg-type]
