"""The in-flight guard of native handles (soter_verify._handle): close never frees under a call,
the last call out frees, exactly once."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from soter_verify._handle import NativeHandle


class _Fake(NativeHandle):
    """A handle whose "free" records the pointer instead of freeing native memory."""

    __slots__ = ("freed",)

    freed: list[int]

    def __init__(self, ptr: int = 1234) -> None:
        self.freed = []
        self._attach(ptr, self.freed.append)


def test_close_waits_for_the_call_in_flight() -> None:
    h = _Fake()
    assert h._acquire() == 1234
    h.close()
    assert h.closed and h.freed == []
    with pytest.raises(ValueError, match="_Fake is closed"):
        h._acquire()
    assert h.freed == []
    h._release()
    assert h.freed == [1234]
    h.close()
    assert h.freed == [1234]


def test_the_last_of_several_calls_frees() -> None:
    h = _Fake()
    h._acquire()
    h._acquire()
    h.close()
    h._release()
    assert h.freed == []
    h._release()
    assert h.freed == [1234]


def test_close_without_calls_frees_at_once_and_the_context_manager_closes() -> None:
    with _Fake() as h:
        assert not h.closed
    assert h.closed and h.freed == [1234]
    with pytest.raises(ValueError):
        h.__enter__()


def test_racing_close_frees_once_and_never_under_a_call() -> None:
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        for _ in range(20):
            h = _Fake()
            under_call: list[bool] = []
            started = threading.Barrier(5)

            def worker() -> None:
                started.wait()
                while True:
                    try:
                        h._acquire()
                    except ValueError:
                        return
                    try:
                        time.sleep(0)  # let close() run while this call holds the handle
                        under_call.append(bool(h.freed))  # freed under this call?
                    finally:
                        h._release()

            threads = [threading.Thread(target=worker) for _ in range(4)]
            for t in threads:
                t.start()
            started.wait()
            while len(under_call) < 200:  # close while the workers are busy calling
                time.sleep(0)
            h.close()
            for t in threads:
                t.join()
            assert h.freed == [1234]
            assert len(under_call) >= 200 and not any(under_call)
    finally:
        sys.setswitchinterval(old)
