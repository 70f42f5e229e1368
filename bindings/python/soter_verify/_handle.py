"""Private: ownership of one native handle (context manager, finalizer, safe close).

``close()`` may run while another thread is inside a call on the same handle: the native
object is then freed when the last call in flight returns, never under it. A call that starts
after ``close()`` raises ``ValueError``; closing twice is a no-op; an object that is never
closed is freed by its finalizer (``weakref.finalize``) when it is garbage collected.

At interpreter exit nothing is freed: a daemon thread may still be inside a native call on the
handle (the busy counter cannot be trusted once the interpreter tears down), and the process is
ending, so the memory goes back to the operating system with it. ``weakref.finalize`` would
otherwise run every pending finalizer at exit, under such calls.

Fork: a child forked while other threads were inside calls inherits their in-flight entries, but
not the threads, which would keep ``close()`` from ever freeing in the child. Each entry names
its thread, and an ``os.register_at_fork`` hook drops, in the child, every entry but the forking
thread's own (it may be inside a call, through a library callback). The native objects
themselves are fork-safe (a child never uses a connection or lock its parent held).
"""

from __future__ import annotations

import os
import weakref
from _thread import get_ident
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

_H = TypeVar("_H", bound="NativeHandle")


#: ``_calls[0]`` of an open handle, and of a closed one.
_OPEN = "open"
_CLOSED = "closed"


class NativeHandle:
    """Base for Python objects that own one native handle."""

    __slots__ = ("_ptr", "_calls", "_finalizer", "__weakref__")

    _ptr: int
    # The in-flight guard, in one list so that each step is one atomic list operation (atomic
    # under the GIL, and under the per-object lock of free-threaded builds): ``_calls[0]`` is
    # the state (_OPEN or _CLOSED), then one entry per call in flight. A call appends its entry,
    # then reads the state: a close that came first makes it back out; a close that comes later
    # sees the entry. Hence ``_calls[-1] is _CLOSED`` exactly when the handle is closed and no
    # call is in flight, which is when the native object may be freed (by whoever sees it; the
    # finalizer runs its function once). This costs a fraction of a lock's two acquisitions.
    # Each entry is the calling thread's id, for the fork hook (``_after_fork_in_child``).
    _calls: list[object]
    _finalizer: weakref.finalize[..., "NativeHandle"]

    def _attach(self, ptr: int, free: Callable[[Any], None]) -> None:
        self._ptr = ptr
        self._calls = [_OPEN]
        # The finalizer holds the address, never ``self``, so it cannot keep the object alive.
        self._finalizer = weakref.finalize(self, free, ptr)
        # Not at interpreter exit: a daemon thread may still be inside a call on this handle
        # (freeing it under that call crashed the process); the process's end frees it.
        self._finalizer.atexit = False
        _LIVE[id(self)] = self

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
            self._finalizer()

    def close(self) -> None:
        """Free the native object now. Safe to call twice; later use raises ``ValueError``."""
        calls = self._calls
        calls[0] = _CLOSED
        if calls[-1] is _CLOSED:
            self._finalizer()

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


#: Every handle not yet garbage collected, for the fork hook; by identity (a ``WeakSet`` would
#: hash them, and ``PublicKey`` hashes by value).
_LIVE: weakref.WeakValueDictionary[int, NativeHandle] = weakref.WeakValueDictionary()


def _after_fork_in_child() -> None:
    """In a forked child only the forking thread exists: drop the in-flight entries of the
    others, so that ``close()`` frees again; free what was closed under such calls."""
    me = get_ident()
    for handle in list(_LIVE.values()):
        calls = handle._calls
        if len(calls) > 1:
            calls[1:] = [t for t in calls[1:] if t == me]
            if calls[-1] is _CLOSED:
                handle._finalizer()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_after_fork_in_child)
