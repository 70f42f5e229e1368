"""Private: ownership of one native handle (context manager, finalizer, safe close).

``close()`` may run while another thread is inside a call on the same handle: the native
object is then freed when the last call in flight returns, never under it. A call that starts
after ``close()`` raises ``ValueError``; closing twice is a no-op; an object that is never
closed is freed by ``__del__`` when it is garbage collected.

Each live native object has one entry in ``_LIVE`` (by the handle's ``id``): whoever removes
it (close, the last call out, ``__del__``, the fork hook) frees the object, so it is freed
exactly once (``dict.pop`` is atomic). This replaced ``weakref.finalize`` plus a
``WeakValueDictionary``, which cost more than a microsecond per handle made (every verified
AuthKey makes one).

At interpreter exit nothing is freed: a daemon thread may still be inside a native call on the
handle (the busy counter cannot be trusted once the interpreter tears down), and the process is
ending, so the memory goes back to the operating system with it. An ``atexit`` hook empties
``_LIVE``, after which nothing is freed.

Fork: a child forked while other threads were inside calls inherits their in-flight entries, but
not the threads, which would keep ``close()`` from ever freeing in the child. Each entry names
its thread, and an ``os.register_at_fork`` hook drops, in the child, every entry but the forking
thread's own (it may be inside a call, through a library callback). The native objects
themselves are fork-safe (a child never uses a connection or lock its parent held).
"""

from __future__ import annotations

import atexit
import os
from _thread import get_ident
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

_H = TypeVar("_H", bound="NativeHandle")


#: ``_calls[0]`` of an open handle, and of a closed one.
_OPEN = "open"
_CLOSED = "closed"

#: Every native object not yet freed: the handle's id -> (address, free function, its
#: ``_calls``). By identity (``PublicKey`` hashes by value); for the fork hook and for freeing
#: exactly once.
_LIVE: dict[int, tuple[int, Callable[[Any], None], list[object]]] = {}


class NativeHandle:
    """Base for Python objects that own one native handle."""

    __slots__ = ("_ptr", "_calls", "__weakref__")

    _ptr: int
    # The in-flight guard, in one list so that each step is one atomic list operation (atomic
    # under the GIL, and under the per-object lock of free-threaded builds): ``_calls[0]`` is
    # the state (_OPEN or _CLOSED), then one entry per call in flight. A call appends its entry,
    # then reads the state: a close that came first makes it back out; a close that comes later
    # sees the entry. Hence ``_calls[-1] is _CLOSED`` exactly when the handle is closed and no
    # call is in flight, which is when the native object may be freed (by whoever sees it; see
    # ``_free``). This costs a fraction of a lock's two acquisitions.
    # Each entry is the calling thread's id, for the fork hook (``_after_fork_in_child``).
    _calls: list[object]

    def _attach(self, ptr: int, free: Callable[[Any], None]) -> None:
        self._ptr = ptr
        calls: list[object] = [_OPEN]
        self._calls = calls
        # The entry holds the address and the list, never ``self``, so it cannot keep the
        # object alive.
        _LIVE[id(self)] = (ptr, free, calls)

    def _free(self) -> None:
        """Free the native object unless someone already did (or the interpreter is exiting)."""
        entry = _LIVE.pop(id(self), None)
        if entry is not None:
            entry[1](entry[0])

    @property
    def _freed(self) -> bool:
        """Whether the native object has been freed (or left to the process's end)."""
        return id(self) not in _LIVE

    def __del__(self, _live: dict[int, tuple[int, Callable[[Any], None], list[object]]] = _LIVE) -> None:
        # Unreachable, so no call is in flight. A handle whose _attach never ran (its
        # constructor failed) has no entry: its id is no other live handle's. _LIVE is bound
        # here: module globals may already be gone when this runs at interpreter exit.
        entry = _live.pop(id(self), None)
        if entry is not None:
            entry[1](entry[0])

    def _acquire(self) -> int:
        """Mark a call in flight and return the native pointer; raise if closed."""
        calls = self._calls
        calls.append(get_ident())
        if calls[0] is _CLOSED:
            self._release()
            raise ValueError(f"this {type(self).__name__} is closed")
        return self._ptr

    def _release(self) -> None:
        calls = self._calls
        calls.pop()
        if calls[-1] is _CLOSED:
            self._free()

    def close(self) -> None:
        """Free the native object now. Safe to call twice; later use raises ``ValueError``."""
        calls = self._calls
        calls[0] = _CLOSED
        if calls[-1] is _CLOSED:
            self._free()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called."""
        return self._calls[0] is _CLOSED

    def __enter__(self: _H) -> _H:
        if self._calls[0] is _CLOSED:
            raise ValueError(f"this {type(self).__name__} is closed")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _at_exit() -> None:
    # Nothing is freed from here on (see the module docstring).
    _LIVE.clear()


atexit.register(_at_exit)


def _after_fork_in_child() -> None:
    """In a forked child only the forking thread exists: drop the in-flight entries of the
    others, so that ``close()`` frees again; free what was closed under such calls."""
    me = get_ident()
    for key, (ptr, free, calls) in list(_LIVE.items()):
        if len(calls) > 1:
            calls[1:] = [t for t in calls[1:] if t == me]
            if calls[-1] is _CLOSED and _LIVE.pop(key, None) is not None:
                free(ptr)


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_after_fork_in_child)
