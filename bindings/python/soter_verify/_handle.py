"""Private: ownership of one native handle (context manager, finalizer, safe close).

``close()`` may run while another thread is inside a call on the same handle: the native
object is then freed when the last call in flight returns, never under it. A call that starts
after ``close()`` raises ``ValueError``; closing twice is a no-op; an object that is never
closed is freed by its finalizer (``weakref.finalize``) when it is garbage collected.

At interpreter exit nothing is freed: a daemon thread may still be inside a native call on the
handle (the busy counter cannot be trusted once the interpreter tears down), and the process is
ending, so the memory goes back to the operating system with it. ``weakref.finalize`` would
otherwise run every pending finalizer at exit, under such calls.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

_H = TypeVar("_H", bound="NativeHandle")


class NativeHandle:
    """Base for Python objects that own one native handle."""

    __slots__ = ("_ptr", "_lock", "_busy", "_closing", "_finalizer", "__weakref__")

    _ptr: int
    _lock: threading.Lock
    _busy: int
    _closing: bool
    _finalizer: weakref.finalize[..., "NativeHandle"]

    def _attach(self, ptr: int, free: Callable[[Any], None]) -> None:
        self._ptr = ptr
        self._lock = threading.Lock()
        self._busy = 0
        self._closing = False
        # The finalizer holds the address, never ``self``, so it cannot keep the object alive.
        self._finalizer = weakref.finalize(self, free, ptr)
        # Not at interpreter exit: a daemon thread may still be inside a call on this handle
        # (freeing it under that call crashed the process); the process's end frees it.
        self._finalizer.atexit = False

    def _acquire(self) -> int:
        """Mark a call in flight and return the native pointer; raise if closed."""
        with self._lock:
            if self._closing:
                raise ValueError(f"this {type(self).__name__} is closed")
            self._busy += 1
            return self._ptr

    def _release(self) -> None:
        with self._lock:
            self._busy -= 1
            free_now = self._closing and self._busy == 0
        if free_now:
            self._finalizer()

    def close(self) -> None:
        """Free the native object now. Safe to call twice; later use raises ``ValueError``."""
        with self._lock:
            if self._closing:
                return
            self._closing = True
            free_now = self._busy == 0
        if free_now:
            self._finalizer()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called."""
        return self._closing

    def __enter__(self: _H) -> _H:
        if self._closing:
            raise ValueError(f"this {type(self).__name__} is closed")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
