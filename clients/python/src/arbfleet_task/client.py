"""The engine's side of the task protocol over its stdin/stdout, sync (``TaskClient``) and asyncio (``AsyncTaskClient``).

Two threads carry the lines so that neither API ever blocks on a pipe: a reader parses the agent's
lines as they come (commit answers, stop) and a writer drains a queue of encoded lines to stdout.
Because the protocol owns stdout, ``connect`` points ``sys.stdout`` at stderr by default: a stray
``print`` becomes a log line instead of a torn protocol message.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import queue
import sys
import threading
import time
from concurrent.futures import Future
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import IO, Any, TypedDict, Unpack

from .protocol import (
    MAX_LINE_BYTES,
    Assignment,
    CommitResult,
    DoneReason,
    Latency,
    ProtocolError,
    Stop,
    Venue,
    commit_message,
    decode,
    done_message,
    encode,
    hello_message,
    read_assignment,
    read_commit_result,
    read_stop,
)


class AgentGoneError(Exception):
    """The agent closed the engine's stdin (or sent a line this client cannot read): nothing more can be committed."""


class _Link:
    """The two pipe threads, the commits awaiting their answer, and the stop once it comes."""

    def __init__(self, stdin: IO[bytes], stdout: IO[bytes]) -> None:
        self._stdin = stdin
        self._stdout = stdout
        self._outbox: queue.Queue[bytes | None] = queue.Queue()
        self._lock = threading.Lock()
        self._pending: dict[int, Future[CommitResult]] = {}
        self._stop_listeners: list[Callable[[Stop], None]] = []
        self.assignment: Future[Assignment] = Future()
        self.stop: Stop | None = None
        self.gone: BaseException | None = None
        self.write_error: BaseException | None = None
        threading.Thread(target=self._read, name="arbfleet-task-reader", daemon=True).start()
        self._writer = threading.Thread(target=self._write, name="arbfleet-task-writer", daemon=True)
        self._writer.start()

    def send(self, message: dict[str, Any]) -> None:
        self.send_line(encode(message))

    def send_line(self, line: bytes) -> None:
        if self.write_error is not None:
            raise AgentGoneError(f"stdout is closed: {self.write_error}") from self.write_error
        self._outbox.put(line)

    def expect(self, seq: int) -> Future[CommitResult]:
        answer: Future[CommitResult] = Future()
        with self._lock:
            if self.gone is not None:
                answer.set_exception(AgentGoneError(str(self.gone)))
            else:
                self._pending[seq] = answer
        return answer

    def on_stop(self, listener: Callable[[Stop], None]) -> None:
        with self._lock:
            self._stop_listeners.append(listener)
            stop = self.stop
        if stop is not None:
            listener(stop)

    def flush(self) -> None:
        """Waits until every queued line is written (or the pipe failed)."""
        self._outbox.join()

    def close(self) -> None:
        self._outbox.put(None)
        self._writer.join()

    def _write(self) -> None:
        fd = self._stdout.fileno()
        while True:
            line = self._outbox.get()
            try:
                if line is None:
                    return
                view = memoryview(line)
                while self.write_error is None and view:
                    view = view[os.write(fd, view) :]
            except OSError as error:
                self.write_error = error
            finally:
                self._outbox.task_done()

    def _read(self) -> None:
        # os.read on the descriptor, not the buffered sys.stdin: a daemon thread blocked inside a
        # buffered read holds its lock, and the interpreter aborts at exit when it cannot take it.
        fd = self._stdin.fileno()
        pending = bytearray()
        try:
            while True:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    raise AgentGoneError("the agent closed stdin")
                pending += chunk
                start = 0
                while (end := pending.find(b"\n", start)) >= 0:
                    if pending[start:end].strip():
                        self._dispatch(decode(bytes(pending[start:end])))
                    start = end + 1
                del pending[:start]
                if len(pending) > MAX_LINE_BYTES:
                    raise ProtocolError(f"agent line over {MAX_LINE_BYTES} bytes")
        except BaseException as error:  # noqa: BLE001 - the reader thread must hand every end to the engine
            self._end(error)

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "assignment":
            self.assignment.set_result(read_assignment(message))
        elif kind == "commit-result":
            result = read_commit_result(message)
            with self._lock:
                answer = self._pending.pop(result.seq, None)
            if answer is None:
                raise ProtocolError(f"commit-result.seq: no commit {result.seq} is waiting for an answer")
            answer.set_result(result)
        elif kind == "stop":
            self._stopped(read_stop(message))
        # Other types: a newer agent's optional messages, ignored as the protocol's versioning rule allows.

    def _stopped(self, stop: Stop) -> None:
        with self._lock:
            if self.stop is not None:
                return
            self.stop = stop
            listeners = list(self._stop_listeners)
        for listener in listeners:
            listener(stop)

    def _end(self, error: BaseException) -> None:
        gone = error if isinstance(error, AgentGoneError) else AgentGoneError(f"reading stdin failed: {error}")
        with self._lock:
            self.gone = gone
            pending, self._pending = self._pending, {}
        print(f"arbfleet_task: {gone}", file=sys.stderr, flush=True)
        self._stopped(Stop(within_ms=0, cause=str(gone), deadline=time.monotonic()))
        if not self.assignment.done():
            self.assignment.set_exception(gone)
        for answer in pending.values():
            answer.set_exception(gone)


class _Session:
    """What both clients share: the link, the assignment, commit numbering and the fill seq check."""

    def __init__(self, link: _Link, assignment: Assignment) -> None:
        self._link = link
        self.assignment = assignment
        self._commit_seq = 0
        self.next_fill_seq = assignment.restore.next_fill_seq
        self._venue_times: dict[str, float] = {}

    @property
    def stop_requested(self) -> Stop | None:
        """The stop the agent asked for (or the end of stdin, as a stop with no time left), None until then."""
        return self._link.stop

    def progress(
        self,
        counter: int,
        trades: int,
        open_positions: int,
        realized_pnl_micros: int,
        *,
        ticks: int | None = None,
        event_time: float | None = None,
        latency: Latency | None = None,
        venues: Mapping[str, Venue] | None = None,
    ) -> None:
        """Queues a progress report; never blocks. ``counter`` must never go back: a counter standing still is a stall.

        ``venues`` (``"a"`` and ``"b"``, ``"fx"`` when the engine has an FX source) lets the report judge
        its "Quote coverage" row; without it that row says "not measured". ValueError, before anything
        is written, for a venue time without ``event_time``, later than it, or earlier than (or, after
        one, without) the venue's last one: the agent would end the engine for it.
        """
        if venues is not None:
            self._check_venues(venues, event_time)
        message: dict[str, Any] = {
            "type": "progress",
            "counter": counter,
            "trades": trades,
            "openPositions": open_positions,
            "realizedPnlMicros": realized_pnl_micros,
        }
        if ticks is not None:
            message["ticks"] = ticks
        if event_time is not None:
            message["eventTime"] = event_time
        if latency is not None:
            message["latency"] = {"p50Us": latency.p50_us, "p99Us": latency.p99_us, "maxUs": latency.max_us}
        if venues is not None:
            message["venues"] = {name: venue.message() for name, venue in venues.items()}
            self._venue_times.update({name: v.last_update_at for name, v in venues.items() if v.last_update_at is not None})
        self._link.send(message)

    def _check_venues(self, venues: Mapping[str, Venue], event_time: float | None) -> None:
        if not {"a", "b"} <= set(venues) <= {"a", "b", "fx"}:
            raise ValueError(f"progress: venues: expected a and b (and fx when there is an FX source), found {sorted(venues)}")
        for name in ("a", "b", "fx"):
            venue, before = venues.get(name), self._venue_times.get(name)
            at = venue.last_update_at if venue is not None else None
            if at is None:
                if before is not None:
                    raise ValueError(f"progress: venues.{name}.last_update_at: expected {before} or later (it never goes back), found none")
                continue
            if event_time is None:
                raise ValueError(f"progress: venues.{name}.last_update_at: expected event_time in the same progress (a venue's age is event_time − last_update_at), found none")
            if at > event_time:
                raise ValueError(f"progress: venues.{name}.last_update_at: expected at most event_time {event_time}, found {at}")
            if before is not None and at < before:
                raise ValueError(f"progress: venues.{name}.last_update_at: expected {before} or later (it never goes back), found {at}")

    def _send_commit(self, fills: Sequence[Mapping[str, object]], checkpoint: Any) -> Future[CommitResult]:
        if checkpoint is None:
            raise ValueError("commit: a checkpoint is required (any JSON value but null)")
        for index, fill in enumerate(fills):
            if fill.get("seq") != self.next_fill_seq + index:
                raise ValueError(f"commit: fills[{index}].seq expected {self.next_fill_seq + index}, found {fill.get('seq')}")
        seq = self._commit_seq
        line = encode(commit_message(seq, fills, checkpoint))
        answer = self._link.expect(seq)
        self._link.send_line(line)
        self._commit_seq += 1
        self.next_fill_seq += len(fills)
        return answer


class LinkOptions(TypedDict, total=False):
    """Where the protocol's lines go, for ``connect``: ``stdin`` and ``stdout`` (default: this
    process's), and ``redirect_stdout`` (default True: ``print`` goes to stderr when ``stdout`` is
    this process's, so it cannot break the protocol)."""

    stdin: IO[bytes] | None
    stdout: IO[bytes] | None
    redirect_stdout: bool


def _hello(engine_name: str, engine_version: str, options: LinkOptions) -> _Link:
    """Opens the link and writes ``hello``; the assignment is then awaited on ``link.assignment``."""
    stdin = options.get("stdin")
    stdout = options.get("stdout")
    link = _Link(stdin if stdin is not None else sys.stdin.buffer, stdout if stdout is not None else sys.stdout.buffer)
    if options.get("redirect_stdout", True) and stdout is None:
        sys.stdout = sys.stderr
    link.send(hello_message(engine_name, engine_version))
    return link


class TaskClient(_Session):
    """Blocking client: ``connect``, ``progress``, ``commit`` (waits for the answer), ``on_stop``, ``done``."""

    @classmethod
    def connect(cls, engine_name: str, engine_version: str, *, timeout: float | None = None, **options: Unpack[LinkOptions]) -> TaskClient:
        """Writes ``hello`` and waits for the assignment; AgentGoneError when stdin ends first."""
        link = _hello(engine_name, engine_version, options)
        return cls(link, link.assignment.result(timeout))

    def commit(self, fills: Sequence[Mapping[str, object]], checkpoint: Any, timeout: float | None = None) -> CommitResult:
        """Sends fills (mappings shaped as ``Fill``, continuing ``next_fill_seq``) with the checkpoint covering them; returns the agent's answer."""
        return self._send_commit(fills, checkpoint).result(timeout)

    def on_stop(self, callback: Callable[[Stop], None]) -> None:
        """Calls ``callback(stop)`` once, from the reader thread, when the agent asks to stop (at once if it already has)."""
        self._link.on_stop(callback)

    def done(self, reason: DoneReason) -> None:
        """Writes ``done`` and waits until every line is out; the engine then exits 0."""
        self._link.send(done_message(reason))
        self._link.close()


class AsyncTaskClient(_Session):
    """asyncio client: the same calls, none of which blocks the event loop."""

    @classmethod
    async def connect(cls, engine_name: str, engine_version: str, **options: Unpack[LinkOptions]) -> AsyncTaskClient:
        """Writes ``hello`` and awaits the assignment; AgentGoneError when stdin ends first."""
        link = _hello(engine_name, engine_version, options)
        client = cls(link, await asyncio.wrap_future(link.assignment))
        client._loop = asyncio.get_running_loop()
        client._stop_event = asyncio.Event()
        client._callbacks = []
        link.on_stop(lambda stop: client._on_loop(client._deliver, stop))
        return client

    _loop: asyncio.AbstractEventLoop
    _stop_event: asyncio.Event
    _callbacks: list[Callable[[Stop], Awaitable[None] | None]]

    def _on_loop(self, callback: Callable[..., object], *args: object) -> None:
        try:
            self._loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:
            pass  # the loop has closed: the engine is past caring about a stop

    def _deliver(self, stop: Stop) -> None:
        for callback in self._callbacks:
            self._call(callback, stop)
        self._stop_event.set()

    def _call(self, callback: Callable[[Stop], Awaitable[None] | None], stop: Stop) -> None:
        outcome = callback(stop)
        if inspect.isawaitable(outcome):
            self._loop.create_task(outcome)  # type: ignore[arg-type]

    async def commit(self, fills: Sequence[Mapping[str, object]], checkpoint: Any) -> CommitResult:
        """Sends fills (mappings shaped as ``Fill``, continuing ``next_fill_seq``) with the checkpoint covering them; awaits the agent's answer."""
        return await asyncio.wrap_future(self._send_commit(fills, checkpoint))

    def on_stop(self, callback: Callable[[Stop], Awaitable[None] | None]) -> None:
        """Runs ``callback(stop)`` on the event loop when the agent asks to stop; a coroutine function becomes a task."""
        if self._stop_event.is_set() and self._link.stop is not None:
            self._loop.call_soon(self._call, callback, self._link.stop)
        else:
            self._callbacks.append(callback)

    async def wait_stop(self) -> Stop:
        """Returns the stop once the agent asks for it."""
        await self._stop_event.wait()
        stop = self._link.stop
        assert stop is not None
        return stop

    async def done(self, reason: DoneReason) -> None:
        self._link.send(done_message(reason))
        await asyncio.to_thread(self._link.close)
