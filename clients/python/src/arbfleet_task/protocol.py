"""The task protocol's messages, version 1 (``docs/task-protocol.md``, schemas in ``docs/task-protocol/``).

One JSON object per line: the agent writes ``assignment``, ``commit-result`` and ``stop`` on the
engine's stdin; the engine writes ``hello``, ``progress``, ``commit`` and ``done`` on its stdout.
Builders here return plain dicts shaped as the JSON Schemas say; readers turn the agent's lines
into typed values and ignore fields they do not know (a newer agent may add optional ones).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NotRequired, TypedDict

PROTOCOL_VERSION = 1
"""The protocol version this client speaks (``TASK_PROTOCOL_VERSION`` in ``core/model/task-protocol.ts``)."""

MAX_LINE_BYTES = 4 * 1024 * 1024
"""The longest line either side may write, UTF-8 bytes without the newline (the agent refuses longer)."""

DoneReason = Literal["feed-done", "deadline", "stopped"]
CommitStatus = Literal["accepted", "fenced", "rejected"]


class ProtocolError(Exception):
    """A line from the agent that is not a protocol message this client can read (names what was found)."""


class Fill(TypedDict):
    """One leg of a trade as an engine commits it: the ledger's fill without ``generation`` (the agent stamps it)."""

    seq: int
    tradeId: int
    symbol: str
    venue: Literal["A", "B"]
    side: Literal["BUY", "SELL"]
    kind: Literal["OPEN", "CLOSE"]
    reason: Literal["ENTRY", "REVERSION", "TAKE_PROFIT", "STOP_LOSS", "MAX_HOLDING", "CAMPAIGN_END"]
    qty: float
    price: float
    fee: float
    fxRate: float
    ts: float
    eventTs: NotRequired[float]
    wallTs: NotRequired[float]
    quoteTsA: NotRequired[float]
    quoteTsB: NotRequired[float]
    staleQuote: NotRequired[bool]


@dataclass(frozen=True)
class Latency:
    """Decision latency the engine measured, microseconds."""

    p50_us: float
    p99_us: float
    max_us: float


@dataclass(frozen=True)
class Venue:
    """One venue's updates as the engine took them (``venues`` in ``progress``): how many, and the event time of the latest.

    ``last_update_at`` is ms since the epoch, None before the first update: the venue's own exchange
    time when its update carries one, never later than the update's arrival (``event_time_of`` clamps
    it), else the arrival (live) or the recorded time (replay). The report's "Quote coverage" row ages
    it against the progress's ``event_time`` at each heartbeat, so it is never later than that and
    never goes back.
    """

    updates: int
    last_update_at: float | None = None

    def message(self) -> dict[str, Any]:
        return {"updates": self.updates} if self.last_update_at is None else {"updates": self.updates, "lastUpdateAt": self.last_update_at}


def event_time_of(arrival: float, exchange_time: float | None) -> float:
    """An update's event time as the protocol ages it: the venue's exchange time when it gives one, never later than the arrival."""
    return arrival if exchange_time is None else min(exchange_time, arrival)


@dataclass(frozen=True)
class RestorePoint:
    """Where the shard resumes: the engine's last checkpoint (None on a fresh shard), committed fills after it, the next fill seq."""

    checkpoint: Any
    ledger_tail: list[dict[str, Any]]
    next_fill_seq: int


@dataclass(frozen=True)
class Assignment:
    """Which shard of which campaign this process runs, under which generation (the fencing token), from where."""

    campaign_id: str
    shard_id: str
    shard_index: int
    generation: int
    symbols: list[str]
    config: dict[str, Any]
    clock: Literal["real", "virtual"]
    restore: RestorePoint
    started_at: float | None = None
    ends_at: float | None = None


@dataclass(frozen=True)
class CommitResult:
    """The agent's answer to one commit: ``accepted`` (in the ledger), ``fenced`` (stop at once) or ``rejected`` (``reason`` says why)."""

    seq: int
    status: CommitStatus
    reason: str | None = None

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"


@dataclass(frozen=True)
class Stop:
    """A request to stop: commit what is made, write ``done`` and exit 0 before ``deadline`` (``time.monotonic()`` seconds)."""

    within_ms: int
    cause: str
    deadline: float = field(default=0.0)


def hello_message(engine_name: str, engine_version: str) -> dict[str, Any]:
    return {"type": "hello", "protocol": PROTOCOL_VERSION, "engine": {"name": engine_name, "version": engine_version}}


def commit_message(seq: int, fills: Sequence[Mapping[str, object]], checkpoint: Any) -> dict[str, Any]:
    return {"type": "commit", "seq": seq, "fills": list(fills), "checkpoint": checkpoint}


def done_message(reason: DoneReason) -> dict[str, Any]:
    return {"type": "done", "reason": reason}


def encode(message: dict[str, Any]) -> bytes:
    """One message as one line; ValueError when it is longer than ``MAX_LINE_BYTES``."""
    line = json.dumps(message, separators=(",", ":"), allow_nan=False).encode("utf-8")
    if len(line) > MAX_LINE_BYTES:
        raise ValueError(f"{message.get('type')} message is {len(line)} bytes, over the protocol's {MAX_LINE_BYTES}-byte line limit")
    return line + b"\n"


def _field(message: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = message.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ProtocolError(f"{message.get('type')}.{name}: expected {getattr(kind, '__name__', kind)}, found {value!r}")
    return value


def decode(line: bytes) -> dict[str, Any]:
    """Parses one line from the agent; ProtocolError when it is not a JSON object with a string ``type``."""
    try:
        message = json.loads(line)
    except ValueError as error:
        raise ProtocolError(f"agent line is not JSON ({error}): {line[:200]!r}") from error
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ProtocolError(f"agent line is not a message (an object with a string type): {line[:200]!r}")
    return message


def read_assignment(message: dict[str, Any]) -> Assignment:
    protocol = _field(message, "protocol", int)
    if protocol != PROTOCOL_VERSION:
        raise ProtocolError(f"assignment.protocol: expected {PROTOCOL_VERSION}, found {protocol}")
    restore = _field(message, "restore", dict)
    checkpoint = restore.get("checkpoint")
    return Assignment(
        campaign_id=_field(message, "campaignId", str),
        shard_id=_field(message, "shardId", str),
        shard_index=_field(message, "shardIndex", int),
        generation=_field(message, "generation", int),
        symbols=list(_field(message, "symbols", list)),
        config=_field(message, "config", dict),
        clock=_field(message, "clock", str),
        restore=RestorePoint(
            checkpoint=checkpoint,
            ledger_tail=list(_field({"type": "assignment.restore", **restore}, "ledgerTail", list)),
            next_fill_seq=_field({"type": "assignment.restore", **restore}, "nextFillSeq", int),
        ),
        started_at=message.get("startedAt"),
        ends_at=message.get("endsAt"),
    )


def read_commit_result(message: dict[str, Any]) -> CommitResult:
    status = _field(message, "status", str)
    if status not in ("accepted", "fenced", "rejected"):
        raise ProtocolError(f"commit-result.status: expected accepted, fenced or rejected, found {status!r}")
    reason = message.get("reason")
    return CommitResult(seq=_field(message, "seq", int), status=status, reason=reason if isinstance(reason, str) else None)


def read_stop(message: dict[str, Any]) -> Stop:
    within_ms = _field(message, "withinMs", int)
    return Stop(within_ms=within_ms, cause=_field(message, "cause", str), deadline=time.monotonic() + within_ms / 1000)
