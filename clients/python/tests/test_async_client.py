"""AsyncTaskClient: the same protocol, and the event loop keeps turning while a commit waits for its answer."""

from __future__ import annotations

import asyncio
import threading

from conftest import FakeAgent, assignment, fill

from arbfleet_task import AsyncTaskClient, Stop


def answer_in_thread(agent: FakeAgent, script: list[dict | None]) -> threading.Thread:
    """The fake agent in a thread: for each entry read one engine line, then send the entry (None: send nothing)."""
    seen: list[dict] = []

    def run() -> None:
        for reply in script:
            seen.append(agent.read())
            if reply is not None:
                agent.send(reply)

    thread = threading.Thread(target=run)
    thread.seen = seen  # type: ignore[attr-defined]
    thread.start()
    return thread


def test_connect_commit_and_done_without_blocking_the_loop(agent: FakeAgent) -> None:
    async def engine() -> tuple[int, str]:
        client = await AsyncTaskClient.connect("pytest", "1", stdin=agent.engine_stdin, stdout=agent.engine_stdout)
        turns = 0
        waiting = asyncio.ensure_future(client.commit([fill(4), fill(5)], {"step": 1}))
        while not waiting.done():
            turns += 1
            await asyncio.sleep(0.001)
        client.progress(turns, 1, 1, 0)
        await client.done("feed-done")
        return turns, waiting.result().status

    agent_thread = answer_in_thread(agent, [assignment(), None, None, None])

    def answer_late() -> None:
        # The answer to commit 0 comes only after the engine's loop has turned: proven by the turns counted.
        while len(agent_thread.seen) < 2:  # type: ignore[attr-defined]
            threading.Event().wait(0.01)
        threading.Event().wait(0.05)
        agent.send({"type": "commit-result", "seq": 0, "status": "accepted"})

    late = threading.Thread(target=answer_late)
    late.start()
    turns, status = asyncio.run(asyncio.wait_for(engine(), 30))
    late.join(30)
    agent_thread.join(30)
    kinds = [m["type"] for m in agent_thread.seen]  # type: ignore[attr-defined]
    assert kinds == ["hello", "commit", "progress", "done"]
    assert status == "accepted"
    assert turns > 1, "the loop kept running while the commit waited"
    assert agent_thread.seen[2]["counter"] == turns  # type: ignore[attr-defined]


def test_stop_reaches_a_callback_on_the_loop_and_wait_stop(agent: FakeAgent) -> None:
    async def engine() -> tuple[Stop, list[str], bool]:
        client = await AsyncTaskClient.connect("pytest", "1", stdin=agent.engine_stdin, stdout=agent.engine_stdout)
        loop_thread = threading.get_ident()
        calls: list[str] = []
        on_loop: list[bool] = []

        async def on_stop(stop: Stop) -> None:
            on_loop.append(threading.get_ident() == loop_thread)
            calls.append(stop.cause)

        client.on_stop(on_stop)
        client.progress(1, 0, 0, 0)
        stop = await client.wait_stop()
        await asyncio.sleep(0)
        await client.done("stopped")
        return stop, calls, all(on_loop) and bool(on_loop)

    thread = answer_in_thread(agent, [assignment(), {"type": "stop", "withinMs": 3000, "cause": "SIGTERM"}, None])
    stop, calls, on_loop = asyncio.run(asyncio.wait_for(engine(), 30))
    thread.join(30)
    assert (stop.cause, stop.within_ms) == ("SIGTERM", 3000)
    assert calls == ["SIGTERM"]
    assert on_loop, "the coroutine callback ran on the event loop's thread"
    assert [m["type"] for m in thread.seen] == ["hello", "progress", "done"]  # type: ignore[attr-defined]
