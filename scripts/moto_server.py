"""moto's server (the `moto_server` command of the pinned moto, scripts/python-tools.sh) with one fix.

moto 5.2.5's DynamoDB TransactWriteItems backs up a table for rollback once per *item* of the
transaction that names it (`copy.deepcopy(self.tables[name])` inside the loop over the items), not
once per table: a 98-put commit on a 1,568-item ledger took 20.8 s here, 0.27 s with one copy per
table (measured in-process on the same machine, 2026-12-07). The copies within one call are identical (nothing
is written before the loop ends), so keeping the first is the same rollback: the test suites and the
benchmark meet the same DynamoDB semantics, only without a cost quadratic in the table's size that
real DynamoDB does not have.

Run as `.venv/bin/python scripts/moto_server.py [moto_server's arguments]`
(engine-task/bench/moto-server.ts does).
"""

import copy
import sys
import threading

import moto.dynamodb.models as dynamodb_models
from moto.server import main

_call = threading.local()  # moto's server answers on several threads: one set of backups per call


class _OneBackupPerTable:
    """Stands for the `copy` module inside moto.dynamodb.models: within a TransactWriteItems, a
    table is deep-copied once and that copy handed back for every further item naming it."""

    def __getattr__(self, name):
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value, memo=None):
        backups = getattr(_call, "backups", None)
        if backups is None or not isinstance(value, dynamodb_models.Table):
            return copy.deepcopy(value, memo)
        if id(value) not in backups:
            backups[id(value)] = copy.deepcopy(value, memo)
        return backups[id(value)]


_transact_write_items = dynamodb_models.DynamoDBBackend.transact_write_items


def _transact_write_items_one_backup_per_table(self, transact_items):
    _call.backups = {}
    try:
        return _transact_write_items(self, transact_items)
    finally:
        _call.backups = None


dynamodb_models.copy = _OneBackupPerTable()
dynamodb_models.DynamoDBBackend.transact_write_items = _transact_write_items_one_backup_per_table

if __name__ == "__main__":
    sys.argv[0] = "moto_server"
    sys.exit(main())
