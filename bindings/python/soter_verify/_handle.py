"""Private: ownership of one native handle (context manager, finalizer, safe close).

``close()`` may run while another thread is inside a call on the same handle: the native
object is then freed when the last call in flight returns, never under it. A call that starts
after ``close()`` raises ``ValueError``; closing twice is a no-op; an object that is never
closed is freed by its finalizer (``weakref.finalize``) when it is garbage collected.

At interpreter exit nothing is freed: a daemon thread may still be inside a native call on the
handle (the busy counter cannot be trusted once the interpreter tears down), and the process is
ending, so the memory goes back to the operating system with it. ``weakref.finalize`` would
otherwise run every pending finalizer at exit, under such calls.

After ``os.fork()`` (gunicorn ``--preload``, uWSGI, Celery prefork, ``multiprocessing``) the child
has only the forking thread: the calls other threads had in flight will never return there, so
their entries are dropped in the child (``os.register_at_fork``), and a handle closed in the
child is freed at once. The native objects are fork-safe themselves (a client inherited by a
child uses connections and locks of its own, never the parent's).
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

_H = TypeVar("_H", bound="NativeHandle")


#: ``_calls[0]`` of an open handle, and of a closed one.
_OPEN = "open"
_CLOSED = "closed"

#: Every live handle by id, for the fork hook below (weak: it keeps nothing alive; by id, not
#: a WeakSet, because handles such as keys define ``==`` and ``hash`` by value).
_LIVE: weakref.WeakValueDictionary[int, NativeHandle] = weakref.WeakValueDictionary()


def _after_fork_in_child() -> None:
    """Only the forking thread exists in the child: the calls in flight on other threads at the
    fork never return here, so their entries go (else a handle closed in the child would wait
    for them forever, and never be freed)."""
    for handle in list(_LIVE.values()):
        calls = getattr(handle, "_calls", None)
        if calls is not None:
            del calls[1:]


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


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
        calls.append(None)
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
