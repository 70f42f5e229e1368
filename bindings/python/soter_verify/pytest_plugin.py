"""pytest fixtures for code that uses soter_verify; loaded by pytest through the ``pytest11``
entry point once the package is installed (disable with ``-p no:soter_verify``).

- ``soter_emulator``: a :class:`~soter_verify.testing.WeChatEmulator` of its own per test,
  stopped after it.
- ``soter_device``: a :class:`~soter_verify.testing.Device` from the pool
  (:meth:`~soter_verify.testing.Device.from_pool`: no key generation once warm), registered
  with ``soter_emulator`` under openid ``"o_test"`` when the test also uses the emulator.
- ``soter_guard``: a fresh in-memory :class:`~soter_verify.ReplayGuard` per test, closed after.

Isolation: the emulator and guard are new for every test. The device's key is shared with other
tests of the process (its counter only rises), which no fresh emulator or guard can tell.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

import pytest

if TYPE_CHECKING:
    from ._guard import ReplayGuard
    from .testing import Device, WeChatEmulator

#: The openid under which ``soter_device`` is registered with ``soter_emulator``.
OPENID = "o_test"


@pytest.fixture
def soter_emulator() -> Iterator[WeChatEmulator]:
    """A WeChat emulator on a free loopback port, for this test only."""
    from .testing import WeChatEmulator  # the native library loads when a test asks for it

    with WeChatEmulator() as emulator:
        yield emulator


@pytest.fixture
def soter_device(request: pytest.FixtureRequest) -> Device:
    """A pooled test device; registered as ``"o_test"`` with ``soter_emulator`` if the test uses it."""
    from .testing import Device

    device = Device.from_pool()
    if "soter_emulator" in request.fixturenames:
        emulator: WeChatEmulator = request.getfixturevalue("soter_emulator")
        emulator.register_device(OPENID, device.public_key_pem)
    return device


@pytest.fixture
def soter_guard() -> Iterator[ReplayGuard]:
    """A fresh in-memory replay guard for this test."""
    from ._guard import ReplayGuard

    with ReplayGuard() as guard:
        yield guard
