"""arbfleet's task protocol for engines written in Python: connect, report progress, commit fills with a checkpoint, stop when asked.

See ``clients/python/README.md`` and the protocol itself in ``docs/task-protocol.md``.
"""

from .client import AgentGoneError, AsyncTaskClient, TaskClient
from .protocol import (
    MAX_LINE_BYTES,
    PROTOCOL_VERSION,
    Assignment,
    CommitResult,
    Fill,
    Latency,
    ProtocolError,
    RestorePoint,
    Stop,
    Venue,
    event_time_of,
)

__all__ = [
    "MAX_LINE_BYTES",
    "PROTOCOL_VERSION",
    "AgentGoneError",
    "Assignment",
    "AsyncTaskClient",
    "CommitResult",
    "Fill",
    "Latency",
    "ProtocolError",
    "RestorePoint",
    "Stop",
    "TaskClient",
    "Venue",
    "event_time_of",
]
__version__ = "0.1.0"
