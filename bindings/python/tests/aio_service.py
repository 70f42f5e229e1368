"""A user's service on soter_verify.aio, as an application would write it: run-tests.sh checks it
with ``mypy --strict`` (the async API's types reach user code), test_aio.py runs ``demo``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from soter_verify import PublicKey, ResultJson, StoreUnavailable, VerificationFailed
from soter_verify.aio import AsyncReplayGuard, AsyncWeChatClient
from soter_verify.testing import Device, WeChatEmulator


@dataclass(frozen=True)
class Enrolment:
    openid: str
    key: PublicKey
    cpu_id: str
    uid: str


class LoginService:
    def __init__(self, guard: AsyncReplayGuard, wechat: AsyncWeChatClient) -> None:
        self.guard = guard
        self.wechat = wechat

    async def challenge(self, user_id: str) -> str:
        return await self.guard.issue_challenge(user_id, ttl=120)

    async def login_native(self, user_id: str, who: Enrolment, result_json: str, signature: str) -> Optional[int]:
        """A native app: verified locally. Returns the accepted counter, or None if refused."""
        try:
            result: ResultJson = await self.guard.authenticate(
                who.key, result_json, signature, subject=user_id, cpu_id=who.cpu_id, uid=who.uid
            )
        except VerificationFailed:
            return None
        except StoreUnavailable:
            raise
        return result.counter

    async def login_mini_program(self, user_id: str, who: Enrolment, result_json: str, signature: str) -> bool:
        try:
            await self.guard.authenticate_via_wechat(self.wechat, who.openid, result_json, signature, subject=user_id)
        except VerificationFailed:
            return False
        return True

    async def signature_ok(self, who: Enrolment, result_json: bytes, signature: str) -> bool:
        ok: bool = await self.wechat.soter_verify_signature(who.openid, result_json, signature)
        return ok

    async def last(self, user_id: str, who: Enrolment) -> Optional[int]:
        return await self.guard.last_counter(user_id, who.cpu_id, who.uid)


async def demo() -> None:
    with WeChatEmulator() as emulator:
        device = Device.from_pool()
        who = Enrolment("o_demo", device.public_key, device.cpu_id, device.uid)
        emulator.register_device(who.openid, device.public_key_pem)
        async with AsyncReplayGuard() as guard, emulator.async_client(max_concurrency=8) as wechat:
            service = LoginService(guard, wechat)
            doc, sig = device.sign_result(await service.challenge("alice"))
            counter = await service.login_native("alice", who, doc.decode(), sig)
            assert counter is not None and await service.last("alice", who) == counter
            assert await service.login_native("alice", who, doc.decode(), sig) is None  # replayed
            doc, sig = device.sign_result(await service.challenge("alice"))
            assert await service.signature_ok(who, doc, sig)
            assert await service.login_mini_program("alice", who, doc.decode(), sig)
