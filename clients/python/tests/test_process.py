"""The client in a real child process: stdout carries only protocol lines, print() goes to stderr; and the package installs with pip."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from conftest import ROOT, assignment, check

ENGINE = """
import sys
import threading
sys.path.insert(0, sys.argv[1])
from arbfleet_task import TaskClient
client = TaskClient.connect("child", "0")
print("a stray print from the engine")
client.progress(1, 0, 0, 0)
result = client.commit([], {"n": 1})
print("commit", result.status)
client.done("stopped")
"""


def test_stdout_carries_only_protocol_lines_and_print_goes_to_stderr() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", ENGINE, str(ROOT / "clients" / "python" / "src")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    watchdog = threading.Timer(60, child.kill)  # a hung child fails the test instead of hanging it
    watchdog.start()
    try:
        assert child.stdin and child.stdout and child.stderr
        messages = []

        def read() -> dict:
            messages.append(check(json.loads(child.stdout.readline())))  # type: ignore[union-attr]
            return messages[-1]

        def send(message: dict) -> None:
            child.stdin.write(json.dumps(check(message)).encode() + b"\n")  # type: ignore[union-attr]
            child.stdin.flush()  # type: ignore[union-attr]

        assert read()["type"] == "hello"
        send(assignment())
        assert read()["type"] == "progress"
        assert read()["type"] == "commit"
        send({"type": "commit-result", "seq": 0, "status": "accepted"})
        assert read()["type"] == "done"
        assert child.stdout.read() == b"", "nothing but protocol lines on stdout"
        child.stdin.close()
        assert child.wait(60) == 0
        stderr = child.stderr.read().decode()
        assert "a stray print from the engine" in stderr
        assert "commit accepted" in stderr
    finally:
        watchdog.cancel()
        child.kill()


def test_pip_installs_the_package_with_its_type_marker(tmp_path: Path) -> None:
    # A copy, so the build's own folders (build/, *.egg-info) land in the temporary folder, not the tree.
    source = tmp_path / "python"
    shutil.copytree(ROOT / "clients" / "python", source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", ".pytest_cache"))
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-build-isolation", "--no-deps", "--disable-pip-version-check", "--target", str(target), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert (target / "arbfleet_task" / "py.typed").exists()
    probe = subprocess.run(
        [sys.executable, "-c", "import arbfleet_task, sys; print(arbfleet_task.__file__, arbfleet_task.PROTOCOL_VERSION)"],
        env={"PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=tmp_path,
    )
    path, version = probe.stdout.split()
    assert path.startswith(str(target)) and version == "1"
