"""asyncio faces of :class:`~soter_verify.ReplayGuard` and :class:`~soter_verify.WeChatClient`.

The same constructors, options and method names, each method a coroutine::

    from soter_verify.aio import AsyncReplayGuard, AsyncWeChatClient

    guard = AsyncReplayGuard.redis("redis://127.0.0.1:6379")
    wechat = AsyncWeChatClient(APPID, SECRET)
    challenge = await guard.issue_challenge(user_id)
    result = await guard.authenticate_via_wechat(wechat, openid, result_json, signature, subject=user_id)
    ...
    await guard.aclose()   # or: async with AsyncReplayGuard.redis(...) as guard

**Where calls run.** Work that waits on I/O (Redis, WeChat) runs on the object's own bounded
thread pool (``max_concurrency`` threads, default 64), never on the event loop and never on
the loop's default executor (a handful of threads, shared with everything else). Calls beyond
``max_concurrency`` wait in the pool's queue, without blocking the loop. Work that only uses
the CPU (every method of a memory guard except :meth:`AsyncReplayGuard.authenticate_via_wechat`;
a verification takes about 10 microseconds) runs inline, which is cheaper than a thread hop.

**Cancellation.** A cancelled ``await`` (``task.cancel()``, ``asyncio.wait_for``, a client that
disconnects) raises :class:`asyncio.CancelledError` at once. A call that had not started yet
does not run; one already running in the pool finishes in the background and keeps its
effect: a challenge it consumed stays consumed, a counter it raised stays raised, so the user
starts a new login, as after any failure. Nothing is half done: each call is atomic.

**Closing.** ``await obj.aclose()`` (or ``async with``) closes the native object and stops the
pool; calls still running finish first (the native object is freed after the last one).
"""

from __future__ import annotations

import _thread
import asyncio
import concurrent.futures
import functools
import os
import sys
import threading
from types import TracebackType
from typing import Any, Callable, Coroutine, Generic, Optional, Sequence, Tuple, TypeVar, overload

from . import _native as N
from ._api_security import ApiSecurity
from ._core import BytesLike, ResultJson
from ._guard import DEFAULT_MAX_CHALLENGES_PER_SUBJECT, ReplayGuard
from ._wechat import CertInfo, ClientStats, FaceInfo, TokenSourceArg, VerifyId, VerifyInfo, WeChatClient

if sys.version_info >= (3, 10):
    from typing import Concatenate, ParamSpec

    _P = ParamSpec("_P")
else:  # pragma: no cover - 3.9: annotations are strings (never evaluated); Generic takes a TypeVar
    _P = TypeVar("_P")

__all__ = ["AsyncReplayGuard", "AsyncWeChatClient", "DEFAULT_MAX_CONCURRENCY"]

#: Default ``max_concurrency``: threads of an object's I/O pool (calls waiting on Redis or WeChat
#: at once). Size it to what the backend should see at once from this process; each thread
#: waiting on I/O costs a stack, not a core.
DEFAULT_MAX_CONCURRENCY = 64

_R = TypeVar("_R")
_A = TypeVar("_A", bound="_AsyncBase[Any]")
_S = TypeVar("_S", ReplayGuard, WeChatClient)


def _max_concurrency(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"max_concurrency must be an int, not {type(n).__name__}")
    if not 1 <= n <= 4096:
        raise ValueError(f"max_concurrency must be 1 to 4096, not {n}")
    return n


class _Pool(concurrent.futures.ThreadPoolExecutor):
    """A ThreadPoolExecutor that never starts its threads on the submitting thread.

    ``submit`` starts a worker when none is idle, and ``Thread.start`` waits until the new thread
    runs: on a busy machine, milliseconds each, so a burst of 100 calls froze the event loop for
    60 ms. Here the growing happens on a short-lived raw thread (``_thread.start_new_thread``
    does not wait); the work item is queued already, so an idle worker or the new one takes it.
    """

    def _adjust_thread_count(self) -> None:
        # An idle worker takes the item (the common case: no thread started at all).
        if self._idle_semaphore.acquire(timeout=0) or len(self._threads) >= self._max_workers:
            return
        try:
            _thread.start_new_thread(self._grow, ())
        except RuntimeError:  # interpreter shutdown, or no thread left: grow inline
            super()._adjust_thread_count()

    def _grow(self) -> None:
        with self._shutdown_lock:  # submit's own lock
            if not self._shutdown:
                super()._adjust_thread_count()  # checks for an idle worker again, then starts one


class _AsyncBase(Generic[_S]):
    """The sync object, its pool and the one way calls are run."""

    __slots__ = ("_sync", "_inline", "_max", "_pool", "_pool_pid", "_lock")

    _sync: _S
    _inline: bool
    _max: int
    _pool: Optional[_Pool]
    _pool_pid: int
    _lock: threading.Lock

    def __init__(self, sync: _S, *, inline: bool, max_concurrency: int) -> None:
        self._sync = sync
        # True for a memory guard: its calls use the CPU only, and run on the loop's thread.
        self._inline = inline
        self._max = _max_concurrency(max_concurrency)
        self._pool = None
        self._pool_pid = 0
        self._lock = threading.Lock()

    @property
    def sync(self) -> _S:
        """The blocking object underneath (shares the native handle; for code outside a loop)."""
        return self._sync

    @property
    def max_concurrency(self) -> int:
        return self._max

    @property
    def closed(self) -> bool:
        return self._sync.closed

    def _executor(self) -> _Pool:
        pool = self._pool
        if pool is not None and self._pool_pid == os.getpid():
            return pool
        with self._lock:
            # Created on first I/O; again in a forked child, whose copy has no threads.
            if self._pool is None or self._pool_pid != os.getpid():
                if self._sync.closed:
                    raise ValueError(f"this {type(self).__name__} is closed")
                self._pool = _Pool(
                    max_workers=self._max, thread_name_prefix=f"soter-{type(self).__name__}"
                )
                self._pool_pid = os.getpid()
            return self._pool

    async def _run(self, fn: Callable[..., _R], *args: Any, io: bool = True, **kwargs: Any) -> _R:
        if self._inline and not io:
            return fn(*args, **kwargs)
        # run_in_executor's future: cancelling the await cancels it at once (and the pool's
        # future too if it has not started; a running call cannot be stopped and finishes).
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor(), functools.partial(fn, *args, **kwargs))

    async def aclose(self) -> None:
        """Close the native object and stop the pool, without waiting for calls in flight
        (they finish; the native object is freed after the last). Idempotent."""
        self._sync.close()
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    async def __aenter__(self: _A) -> _A:
        if self.closed:
            raise ValueError(f"this {type(self).__name__} is closed")
        return self

    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._sync!r}, max_concurrency={self._max}>"


class _Method(Generic[_P, _R]):
    """A coroutine method that runs the sync method of the same name (same parameters, same
    result, same exceptions). ``io=False``: CPU-only on a memory guard, so run inline there."""

    def __init__(self, sync: Callable[Concatenate[Any, _P], _R], *, io: bool = True) -> None:
        self._name = sync.__name__
        self._io = io
        self.__doc__ = sync.__doc__

    @overload
    def __get__(self, obj: None, owner: type) -> _Method[_P, _R]: ...

    @overload
    def __get__(self, obj: _AsyncBase[Any], owner: type) -> Callable[_P, Coroutine[Any, Any, _R]]: ...

    def __get__(self, obj: Optional[_AsyncBase[Any]], owner: type) -> Any:
        if obj is None:
            return self
        fn = getattr(obj._sync, self._name)
        io = self._io

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await obj._run(fn, *args, io=io, **kwargs)

        call.__name__ = call.__qualname__ = self._name
        call.__doc__ = self.__doc__
        return call


class AsyncWeChatClient(_AsyncBase[WeChatClient]):
    """:class:`~soter_verify.WeChatClient` with coroutine methods; every call runs on the
    client's own pool of ``max_concurrency`` threads (default 64). The constructor takes the
    same arguments as ``WeChatClient`` and makes no network call. Set ``max_idle_connections``
    (default 64) to at least ``max_concurrency`` if calls often overlap, so that connections
    are kept and reused."""

    __slots__ = ()

    def __init__(
        self,
        appid: str,
        secret: str = "",
        *,
        base_url: Optional[str] = None,
        timeout: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        attempt_timeout: Optional[float] = None,
        proxy: Optional[str] = None,
        token_source: TokenSourceArg = "stable",
        token_file: Optional[str] = None,
        allow_insecure_http: bool = False,
        max_attempts: Optional[int] = None,
        backoff_base: Optional[float] = None,
        backoff_max: Optional[float] = None,
        max_response_size: Optional[int] = None,
        refresh_margin: Optional[float] = None,
        token_retry_max: Optional[float] = None,
        max_idle_connections: Optional[int] = None,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        api_security: Optional[ApiSecurity] = None,
    ) -> None:
        """As ``WeChatClient(...)``, plus ``max_concurrency``."""
        sync = WeChatClient(
            appid, secret, base_url=base_url, timeout=timeout, connect_timeout=connect_timeout,
            attempt_timeout=attempt_timeout, proxy=proxy, token_source=token_source, token_file=token_file,
            allow_insecure_http=allow_insecure_http, max_attempts=max_attempts, backoff_base=backoff_base,
            backoff_max=backoff_max, max_response_size=max_response_size, refresh_margin=refresh_margin,
            token_retry_max=token_retry_max, max_idle_connections=max_idle_connections,
            api_security=api_security,
        )
        super().__init__(sync, inline=False, max_concurrency=max_concurrency)

    @classmethod
    def wrap(cls, client: WeChatClient, *, max_concurrency: int = DEFAULT_MAX_CONCURRENCY) -> AsyncWeChatClient:
        """An async face of an existing client (they share the native client and its token;
        closing either closes both)."""
        if not isinstance(client, WeChatClient):
            raise TypeError(f"client must be a WeChatClient, not {type(client).__name__}")
        self = cls.__new__(cls)
        _AsyncBase.__init__(self, client, inline=False, max_concurrency=max_concurrency)
        return self

    @property
    def appid(self) -> str:
        return self._sync.appid

    # One line per method: the sync method's signature, as a coroutine.
    soter_verify_signature = _Method(WeChatClient.soter_verify_signature)
    soter_verify_ask = _Method(WeChatClient.soter_verify_ask)
    soter_is_support = _Method(WeChatClient.soter_is_support)
    face_get_info = _Method(WeChatClient.face_get_info)
    face_get_verify_id = _Method(WeChatClient.face_get_verify_id)
    face_query_verify_info = _Method(WeChatClient.face_query_verify_info)

    # No I/O: plain methods.
    def set_fixed_token(self, token: str) -> None:
        self._sync.set_fixed_token(token)

    def clear_token(self) -> None:
        self._sync.clear_token()

    def stats(self) -> ClientStats:
        return self._sync.stats()


class AsyncReplayGuard(_AsyncBase[ReplayGuard]):
    """:class:`~soter_verify.ReplayGuard` with coroutine methods. A memory guard runs its calls
    inline (CPU only); a Redis guard runs them on its own pool of ``max_concurrency`` threads
    (default 64). Constructors take the same arguments as ``ReplayGuard``'s and connect on first
    use."""

    __slots__ = ()

    def __init__(
        self,
        *,
        max_challenges: Optional[int] = None,
        max_devices: Optional[int] = None,
        max_challenges_per_subject: int = DEFAULT_MAX_CHALLENGES_PER_SUBJECT,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
    ) -> None:
        """An in-memory guard (one process); see ``ReplayGuard()``."""
        sync = ReplayGuard(
            max_challenges=max_challenges, max_devices=max_devices, max_challenges_per_subject=max_challenges_per_subject
        )
        super().__init__(sync, inline=True, max_concurrency=max_concurrency)

    @classmethod
    def wrap(cls, guard: ReplayGuard, *, max_concurrency: int = DEFAULT_MAX_CONCURRENCY) -> AsyncReplayGuard:
        """An async face of an existing guard (they share its state; closing either closes both)."""
        if not isinstance(guard, ReplayGuard):
            raise TypeError(f"guard must be a ReplayGuard, not {type(guard).__name__}")
        self = cls.__new__(cls)
        inline = "MemoryStore" in guard._description  # the store's Debug text
        _AsyncBase.__init__(self, guard, inline=inline, max_concurrency=max_concurrency)
        return self

    @classmethod
    def redis(
        cls,
        url: str,
        *,
        prefix: str = "soter:",
        timeout: float = 1.0,
        tls_ca_pem: Optional[BytesLike] = None,
        wait_replicas: int = 0,
        max_challenges_per_subject: int = DEFAULT_MAX_CHALLENGES_PER_SUBJECT,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
    ) -> AsyncReplayGuard:
        """A guard on one Redis server; see ``ReplayGuard.redis``."""
        g = ReplayGuard.redis(
            url, prefix=prefix, timeout=timeout, tls_ca_pem=tls_ca_pem, wait_replicas=wait_replicas,
            max_challenges_per_subject=max_challenges_per_subject,
        )
        return cls._io(g, max_concurrency)

    @classmethod
    def redis_cluster(
        cls,
        nodes: Sequence[str],
        *,
        prefix: str = "soter:",
        timeout: float = 1.0,
        tls_ca_pem: Optional[BytesLike] = None,
        wait_replicas: int = 0,
        max_challenges_per_subject: int = DEFAULT_MAX_CHALLENGES_PER_SUBJECT,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
    ) -> AsyncReplayGuard:
        """A guard on a Redis Cluster; see ``ReplayGuard.redis_cluster``."""
        g = ReplayGuard.redis_cluster(
            nodes, prefix=prefix, timeout=timeout, tls_ca_pem=tls_ca_pem, wait_replicas=wait_replicas,
            max_challenges_per_subject=max_challenges_per_subject,
        )
        return cls._io(g, max_concurrency)

    @classmethod
    def redis_sentinel(
        cls,
        sentinels: Sequence[str],
        service_name: str,
        *,
        prefix: str = "soter:",
        timeout: float = 1.0,
        wait_replicas: int = 0,
        password: Optional[str] = None,
        sentinel_password: Optional[str] = None,
        db: int = 0,
        tls_ca_pem: Optional[BytesLike] = None,
        max_challenges_per_subject: int = DEFAULT_MAX_CHALLENGES_PER_SUBJECT,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
    ) -> AsyncReplayGuard:
        """A guard on the master Redis Sentinel names; see ``ReplayGuard.redis_sentinel``."""
        g = ReplayGuard.redis_sentinel(
            sentinels, service_name, prefix=prefix, timeout=timeout, wait_replicas=wait_replicas,
            password=password, sentinel_password=sentinel_password, db=db, tls_ca_pem=tls_ca_pem,
            max_challenges_per_subject=max_challenges_per_subject,
        )
        return cls._io(g, max_concurrency)

    @classmethod
    def _io(cls, guard: ReplayGuard, max_concurrency: int) -> AsyncReplayGuard:
        self = cls.__new__(cls)
        _AsyncBase.__init__(self, guard, inline=False, max_concurrency=max_concurrency)
        return self

    # One line per method: the sync method's signature, as a coroutine (io=False: CPU only on a
    # memory guard, so inline there; on Redis every call waits on I/O and goes to the pool).
    ping = _Method(ReplayGuard.ping, io=False)
    issue_challenge = _Method(ReplayGuard.issue_challenge, io=False)
    authenticate = _Method(ReplayGuard.authenticate, io=False)
    accept = _Method(ReplayGuard.accept, io=False)
    last_counter = _Method(ReplayGuard.last_counter, io=False)
    async def authenticate_via_wechat(
        self,
        client: AsyncWeChatClient | WeChatClient,
        openid: str,
        result_json: BytesLike,
        signature: BytesLike,
        *,
        subject: str,
        cpu_id: Optional[str] = None,
        uid: Optional[str] = None,
    ) -> ResultJson:
        """WeChat's ``verify_signature`` for ``openid``, then the state step; see
        ``ReplayGuard.authenticate_via_wechat``. Always on the pool (it calls WeChat)."""
        sync_client = client.sync if isinstance(client, AsyncWeChatClient) else client
        return await self._run(
            self._sync.authenticate_via_wechat, sync_client, openid, result_json, signature,
            subject=subject, cpu_id=cpu_id, uid=uid,
        )

    # The face steps call WeChat: always on the pool, with the sync client under an async one.
    async def face_get_info(
        self, client: AsyncWeChatClient | WeChatClient, verify_result: str, subject: str, *, max_age: float = N.GUARD_DEFAULT_FACE_MAX_AGE_S
    ) -> FaceInfo:
        """The legacy ticket used once and bound to ``subject``; see ``ReplayGuard.face_get_info``."""
        return await self._run(self._sync.face_get_info, _sync_client(client), verify_result, subject, max_age=max_age)

    async def face_start(
        self,
        client: AsyncWeChatClient | WeChatClient,
        subject: str,
        cert: CertInfo,
        *,
        out_seq_no: Optional[str] = None,
        ttl: float = N.GUARD_DEFAULT_FACE_TTL_S,
    ) -> VerifyId:
        """getverifyid, recorded for ``subject``; see ``ReplayGuard.face_start``."""
        return await self._run(self._sync.face_start, _sync_client(client), subject, cert, out_seq_no=out_seq_no, ttl=ttl)

    async def face_finish(
        self, client: AsyncWeChatClient | WeChatClient, verify_id: str, subject: str, cert: CertInfo
    ) -> VerifyInfo:
        """queryverifyinfo for a session this guard started for ``subject``; see ``ReplayGuard.face_finish``."""
        return await self._run(self._sync.face_finish, _sync_client(client), verify_id, subject, cert)


def _sync_client(client: AsyncWeChatClient | WeChatClient) -> WeChatClient:
    return client.sync if isinstance(client, AsyncWeChatClient) else client


