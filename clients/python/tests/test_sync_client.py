"""TaskClient over real pipes against a fake agent; every message checked against the protocol's JSON Schemas."""

from __future__ import annotations

import re
import threading
import time

import pytest
from conftest import FakeAgent, assignment, fill

from arbfleet_task import AgentGoneError, Latency, Stop, TaskClient, Venue, event_time_of


def connect(agent: FakeAgent, **overrides: object) -> TaskClient:
    result: list[TaskClient] = []
    thread = threading.Thread(target=lambda: result.append(TaskClient.connect("pytest", "1.2.3", stdin=agent.engine_stdin, stdout=agent.engine_stdout)))
    thread.start()
    assert agent.read() == {"type": "hello", "protocol": 1, "engine": {"name": "pytest", "version": "1.2.3"}}
    agent.send(assignment(**overrides))
    thread.join(30)
    return result[0]


def test_reads_the_assignment_and_restore_point_and_ignores_fields_it_does_not_know(agent: FakeAgent) -> None:
    client = connect(agent, restore={"checkpoint": [1, "two"], "ledgerTail": [{**fill(4), "generation": 1}], "nextFillSeq": 5})
    a = client.assignment
    assert (a.campaign_id, a.shard_id, a.shard_index, a.generation, a.symbols, a.clock) == ("c-1", "shard-000", 0, 2, ["BTC", "ETH"], "real")
    assert a.restore.checkpoint == [1, "two"]
    assert a.restore.ledger_tail[0]["seq"] == 4
    assert a.restore.next_fill_seq == client.next_fill_seq == 5
    assert (a.started_at, a.ends_at) == (1_700_000_000_000, 1_700_000_060_000)


def test_progress_lines_match_the_schema_with_and_without_the_optional_fields(agent: FakeAgent) -> None:
    client = connect(agent)
    client.progress(3, 1, 1, -1250)
    client.progress(4, 2, 0, 900, ticks=40, event_time=1_700_000_002_000.5, latency=Latency(61_000, 64_000, 70_500))
    assert agent.read() == {"type": "progress", "counter": 3, "trades": 1, "openPositions": 1, "realizedPnlMicros": -1250}
    assert agent.read()["latency"] == {"p50Us": 61_000, "p99Us": 64_000, "maxUs": 70_500}


def test_progress_carries_each_venues_updates_and_last_update_time_as_the_schema_says(agent: FakeAgent) -> None:
    client = connect(agent)
    t = 1_700_000_002_000
    client.progress(5, 0, 0, 0, event_time=t, venues={"a": Venue(3, t - 100), "b": Venue(0)})
    client.progress(6, 0, 0, 0, event_time=t + 10, venues={"a": Venue(4, t), "b": Venue(1, t + 10), "fx": Venue(1, t - 86_400_000)})
    assert agent.read()["venues"] == {"a": {"updates": 3, "lastUpdateAt": t - 100}, "b": {"updates": 0}}
    assert agent.read()["venues"] == {"a": {"updates": 4, "lastUpdateAt": t}, "b": {"updates": 1, "lastUpdateAt": t + 10}, "fx": {"updates": 1, "lastUpdateAt": t - 86_400_000}}
    # An exchange time ahead of the arrival (a venue clock ahead of ours) is clamped to the arrival.
    assert (event_time_of(t, t + 5), event_time_of(t, t - 5), event_time_of(t, None)) == (t, t - 5, t)


@pytest.mark.parametrize(
    ("venues", "event_time", "message"),
    [
        ({"a": Venue(1, 1_001.0), "b": Venue(1, 900.0)}, 1_000.0, "venues.a.last_update_at: expected at most event_time 1000.0, found 1001.0"),
        ({"a": Venue(1, 900.0), "b": Venue(1, 900.0)}, None, "venues.a.last_update_at: expected event_time in the same progress"),
        ({"a": Venue(1, 900.0), "b": Venue(1, 499.0)}, 1_000.0, "venues.b.last_update_at: expected 500.0 or later (it never goes back), found 499.0"),
        ({"a": Venue(1, 900.0), "b": Venue(1)}, 1_000.0, "venues.b.last_update_at: expected 500.0 or later (it never goes back), found none"),
        ({"a": Venue(1, 900.0)}, 1_000.0, "venues: expected a and b"),
    ],
)
def test_venue_times_the_agent_would_refuse_are_refused_before_anything_is_written(agent: FakeAgent, venues: dict[str, Venue], event_time: float | None, message: str) -> None:
    client = connect(agent)
    client.progress(1, 0, 0, 0, event_time=500.0, venues={"a": Venue(1, 500.0), "b": Venue(1, 500.0)})
    assert agent.read()["counter"] == 1
    with pytest.raises(ValueError, match=re.escape(message)):
        client.progress(2, 0, 0, 0, event_time=event_time, venues=venues)
    client.progress(3, 0, 0, 0)
    assert agent.read()["counter"] == 3, "the refused progress wrote nothing"


@pytest.mark.parametrize("status", ["accepted", "fenced", "rejected"])
def test_a_commit_returns_the_agents_answer(agent: FakeAgent, status: str) -> None:
    client = connect(agent)
    answer: list[object] = []
    thread = threading.Thread(target=lambda: answer.append(client.commit([fill(4), fill(5)], {"step": 9})))  # type: ignore[list-item]
    thread.start()
    commit = agent.read()
    assert (commit["seq"], [f["seq"] for f in commit["fills"]], commit["checkpoint"]) == (0, [4, 5], {"step": 9})
    agent.send({"type": "commit-result", "seq": 0, "status": status, **({} if status == "accepted" else {"reason": "why"})})
    thread.join(30)
    result = answer[0]
    assert (result.seq, result.status, result.accepted) == (0, status, status == "accepted")  # type: ignore[attr-defined]
    assert client.next_fill_seq == 6


def test_commits_are_numbered_one_by_one_and_answered_by_seq(agent: FakeAgent) -> None:
    client = connect(agent)
    answers: list[object] = []
    thread = threading.Thread(target=lambda: answers.extend([client.commit([fill(4)], "a"), client.commit([], "b")]))
    thread.start()
    assert agent.read()["seq"] == 0
    agent.send({"type": "commit-result", "seq": 0, "status": "accepted"})
    assert agent.read() == {"type": "commit", "seq": 1, "fills": [], "checkpoint": "b"}
    agent.send({"type": "commit-result", "seq": 1, "status": "accepted"})
    thread.join(30)
    assert [a.seq for a in answers] == [0, 1]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("fills", "checkpoint", "message"),
    [
        ([fill(5)], {}, r"fills\[0\]\.seq expected 4, found 5"),
        ([fill(4), fill(6)], {}, r"fills\[1\]\.seq expected 5, found 6"),
        ([fill(4)], None, "a checkpoint is required"),
    ],
)
def test_a_commit_that_breaks_the_protocol_is_refused_before_anything_is_written(agent: FakeAgent, fills: list, checkpoint: object, message: str) -> None:
    client = connect(agent)
    with pytest.raises(ValueError, match=message):
        client.commit(fills, checkpoint, timeout=30)  # a bound, so a commit sent by mistake fails instead of hanging
    client.progress(1, 0, 0, 0)
    assert agent.read()["type"] == "progress", "the refused commit wrote nothing before the next message"
    assert client.next_fill_seq == 4


def test_a_line_over_the_limit_is_refused(agent: FakeAgent, monkeypatch: pytest.MonkeyPatch) -> None:
    from arbfleet_task import protocol

    client = connect(agent)
    monkeypatch.setattr(protocol, "MAX_LINE_BYTES", 1000)
    with pytest.raises(ValueError, match="over the protocol's 1000-byte line limit"):
        client.commit([fill(4 + i) for i in range(10)], {"pad": "x" * 1000})


def test_stop_calls_back_with_the_deadline(agent: FakeAgent) -> None:
    client = connect(agent)
    stops: list[Stop] = []
    seen = threading.Event()
    client.on_stop(lambda stop: (stops.append(stop), seen.set()))
    before = time.monotonic()
    agent.send({"type": "stop", "withinMs": 5000, "cause": "SIGTERM"})
    assert seen.wait(30)
    assert (stops[0].cause, stops[0].within_ms) == ("SIGTERM", 5000)
    assert before + 5 <= stops[0].deadline
    assert client.stop_requested == stops[0]
    late: list[Stop] = []
    client.on_stop(late.append)
    assert late == stops, "a callback registered after the stop is called at once"


def test_done_is_written_before_done_returns(agent: FakeAgent) -> None:
    client = connect(agent)
    client.progress(1, 0, 0, 0)
    client.done("stopped")
    assert agent.read()["type"] == "progress"
    assert agent.read() == {"type": "done", "reason": "stopped"}


def test_stdin_closing_fails_the_waiting_commit_and_counts_as_a_stop(agent: FakeAgent) -> None:
    client = connect(agent)
    outcome: list[BaseException] = []

    def commit() -> None:
        try:
            client.commit([fill(4)], {})
        except AgentGoneError as error:
            outcome.append(error)

    thread = threading.Thread(target=commit)
    thread.start()
    agent.read()
    agent.close_stdin()
    thread.join(30)
    assert "closed stdin" in str(outcome[0])
    assert client.stop_requested is not None and client.stop_requested.within_ms == 0


def test_an_answer_to_no_commit_ends_the_link(agent: FakeAgent) -> None:
    client = connect(agent)
    agent.send({"type": "commit-result", "seq": 7, "status": "accepted"})
    deadline = time.monotonic() + 30
    while client.stop_requested is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert client.stop_requested is not None
    assert "no commit 7 is waiting" in client.stop_requested.cause
