"""Private: the library's log events in Python's :mod:`logging`, logger ``soter_verify``.

Installed when the package is imported. Levels: ERROR, WARNING, INFO, DEBUG, and TRACE (5,
below DEBUG) for each HTTP attempt to WeChat. The library formats an event only when this
logger would emit it: the library's level is kept equal to the most verbose level the logger is
enabled for, and recomputed whenever :mod:`logging` changes a level (``setLevel`` on any
logger, ``logging.disable``, ``basicConfig``, ``dictConfig``: they all clear every logger's
level cache, and this logger's cache tells us). A disabled logger therefore costs nothing.

Events arrive on the thread where they happen (any thread inside a library call; the call had
released the GIL, the callback takes it for the delivery). The callback is removed at
interpreter exit by an ``atexit`` hook, which runs before finalization: no Python runs from the
library after that. The ctypes trampoline is a module global, alive until then.
"""

from __future__ import annotations

import atexit
import ctypes
import logging
from ctypes import c_int32, c_size_t, c_void_p
from typing import Any, Final, Optional

from . import _native as N

#: The logger every event goes to (a NullHandler is attached, as for any library: configure
#: handlers and levels in the application).
LOGGER: Final = logging.getLogger("soter_verify")
LOGGER.addHandler(logging.NullHandler())

#: Python level of the library's TRACE events.
TRACE: Final = 5
if logging.getLevelName(TRACE) == f"Level {TRACE}":
    logging.addLevelName(TRACE, "TRACE")

# SOTER_LOG_ERROR (1) .. SOTER_LOG_TRACE (5) to Python levels.
_LEVELS: Final = {1: logging.ERROR, 2: logging.WARNING, 3: logging.INFO, 4: logging.DEBUG, 5: TRACE}
_NATIVE_TRACE: Final = 5

#: ``SoterLogCallback`` (generated in _ffi).
LOG_CALLBACK = N.SoterLogCallback


def _declare() -> Optional[ctypes.CDLL]:
    # _native declared every export from the header at import.
    return N.lib


def wanted_level() -> int:
    """The most verbose library level (0 = none) the logger would emit now. ``disabled`` is
    not considered: it can be flipped back without a level change that would tell us."""
    effective = LOGGER.getEffectiveLevel()
    disable = LOGGER.manager.disable
    for native in (5, 4, 3, 2, 1):
        level = _LEVELS[native]
        if level >= effective and level > disable:
            return native
    return 0


def _sync() -> None:
    if _lib is not None and _installed:
        _lib.soter_set_log_level(wanted_level() if _watching else _NATIVE_TRACE, None)


def _deliver(_user_data: Any, level: int, message: Any, length: int) -> None:
    try:
        pylevel = _LEVELS.get(level)
        if pylevel is None:
            return
        if LOGGER.isEnabledFor(pylevel):
            LOGGER.log(pylevel, "%s", ctypes.string_at(message, length).decode("utf-8", "replace"))
        elif _watching:
            _sync()  # the logger was disabled since: catch up
    except BaseException:  # noqa: BLE001 - a log line must never unwind into the library
        pass


class _LevelWatch(dict[int, bool]):
    """Stands in for the logger's level cache: :mod:`logging` clears every logger's cache
    whenever a level changes, which is the moment to recompute the library's level."""

    __slots__ = ()

    def clear(self) -> None:
        super().clear()
        _sync()


_TRAMPOLINE: Final = LOG_CALLBACK(_deliver)
_lib: Optional[ctypes.CDLL] = None
_installed = False
_watching = False


def install() -> None:
    """Route the library's events to :data:`LOGGER` (idempotent)."""
    global _lib, _installed, _watching
    if _installed:
        return
    _lib = _declare()
    if _lib is None:
        return
    cache = getattr(LOGGER, "_cache", None)
    if isinstance(cache, dict):
        if not isinstance(cache, _LevelWatch):
            setattr(LOGGER, "_cache", _LevelWatch(cache))
        _watching = True
    # Without the cache hook (another Python implementation), every event is delivered and
    # filtered here: correct, only slower.
    level = wanted_level() if _watching else _NATIVE_TRACE
    if _lib.soter_set_log_callback(_TRAMPOLINE, None, level, None) == 0:
        _installed = True
        atexit.register(_uninstall)


def _uninstall() -> None:
    """Remove the callback; when this returns no delivery is running or will run."""
    global _installed
    if _lib is not None and _installed:
        _installed = False
        _lib.soter_set_log_callback(LOG_CALLBACK(), None, 0, None)  # a NULL function pointer


def native_level() -> int:
    """The library's current level (0 = off), for tests."""
    return int(_lib.soter_log_level()) if _lib is not None else 0
