"""The store layer: the desk database and the disciplines every service shares.

- :mod:`crossdesk.store.db`: connecting, WAL, numbered migrations, transactions;
- :mod:`crossdesk.store.aside`: secondary indexes set aside while a bulk load fills empty tables;
- :mod:`crossdesk.store.behind`: a transaction whose last statements and COMMIT run on a thread;
- :mod:`crossdesk.store.permissions`: roles, the permission matrix and refund limits;
- :mod:`crossdesk.store.session`: :class:`Store`, one session over a desk database (transactions,
  permission checks, audit rows, domain events, settings).

Services receive a :class:`Store`; nothing here imports a service.
"""

from __future__ import annotations

from crossdesk.store.db import SchemaError, connect, default_path, schema_version, transaction
from crossdesk.store.session import Step, Store, to_json

__all__ = ["SchemaError", "Step", "Store", "connect", "default_path", "schema_version", "to_json", "transaction"]
