"""The connector harness: sync one shop of a plugin's platform against the plugin's own fake, send the
outbox, and read back what the desk stored. In process, through the same code ``crossdesk sync`` runs.

    harness = ConnectorHarness(desk, "allegro", credentials={"token": "t0ken-for-tests"},
                               transport=httpx.MockTransport(fake_allegro))
    result = harness.sync()                 # what ``crossdesk sync --pull-only`` reports for the shop
    harness.orders(), harness.tickets()     # what was stored, as plain dicts
    desk.reply(actor, ticket_id, "Danke!")  # queue something in the outbox
    report = harness.send()                 # what ``crossdesk outbox send`` reports
    harness.outbox()                        # every item of the shop with its status

The credentials given to the harness are put in the environment the connections read, under the
documented per-shop names (``CROSSDESK_<PLATFORM>_<SHOP>_<KEY>``), so a test goes through the very lookup
a seller's desk does; your developer credentials file is never read. The plugin's fake is either an
``httpx`` transport (``httpx.MockTransport(handler)``) handed to every client the connector gets, or a
loopback server (:class:`crossdesk.fakes.server.FakeServer`) whose ``base_url`` goes into ``config``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import httpx
import orjson

from crossdesk.api import Desk
from crossdesk.errors import DeskError
from crossdesk.models import Actor
from crossdesk.platforms import from_json
from crossdesk.sync import Connections, DispatchReport, ShopResult
from crossdesk.sync.secrets import env_names

#: A credentials file that never exists, so a test never reads the developer's own.
NO_CREDENTIALS_FILE = Path("/nonexistent/crossdesk-testing/credentials.toml")


class ConnectorHarness:
    """One shop of ``platform`` on ``desk``, synced and sent through the platform's installed or
    registered plugin. The shop is created (or updated) with ``desk.shops.upsert`` on construction.

    ``credentials`` are the shop's secrets by key (they reach the factory through the environment, under
    the per-shop names); ``env`` adds other variables (``CROSSDESK_<PLATFORM>_<KEY>`` to test the
    platform-wide names); ``config`` is the shop's stored settings (never secrets); ``transport`` is given
    to every ``httpx.Client`` the connector receives (a plain ``handler(request) -> httpx.Response`` is
    wrapped in ``httpx.MockTransport``). ``actor`` performs the sync and the sends (default:
    ``Actor.system("test")``)."""

    def __init__(
        self,
        desk: Desk,
        platform: str,
        shop: str = "test-shop",
        *,
        name: str | None = None,
        currency: str = "USD",
        country: str = "",
        marketplace: str = "",
        config: Mapping[str, Any] | None = None,
        credentials: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | Callable[[httpx.Request], httpx.Response] | None = None,
        credentials_path: Path | None = None,
        actor: Actor | None = None,
    ) -> None:
        self.desk = desk
        self.platform = platform
        self.shop = shop
        self.actor = actor or Actor.system("test")
        if transport is not None and not isinstance(transport, httpx.BaseTransport):
            transport = httpx.MockTransport(transport)  # a handler: request -> response
        self.transport = transport
        self.credentials_path = credentials_path or NO_CREDENTIALS_FILE
        specs = {spec.name for answer in desk.pm.hook.crossdesk_platforms() for spec in answer or ()}
        if platform not in specs:
            raise DeskError(
                f"no registered plugin declares the platform {platform!r} (declared: "
                f"{', '.join(sorted(specs)) or 'none'}); register the plugin under test on the desk"
            )
        self.env: dict[str, str] = dict(env or {})
        for key, value in (credentials or {}).items():
            self.env[env_names(platform, shop, key)[0]] = value
        self.shop_id = desk.shops.upsert(
            self.actor,
            platform=platform,
            external_id=shop,
            name=name or f"{platform} {shop}",
            currency=currency,
            country=country,
            marketplace=marketplace,
            config=dict(config or {}),
        )
        #: The connector the last :meth:`sync` or :meth:`send` built (to look at what it recorded).
        self.connector: Any = None
        #: What the last :meth:`sync` reported.
        self.result: ShopResult | None = None

    # ---- running ---------------------------------------------------------------------------------------

    def connections(self) -> Connections:
        """The connections a run uses: this harness's environment, transport and credentials file."""
        return self.desk.sync.connections(
            env=self.env, credentials_path=self.credentials_path, transport=self.transport
        )

    def _keep_connector(self, conn: Connections) -> None:
        built = conn.built(self.shop_id)
        if built is not None:
            self.connector = built

    def sync(self, resources: Iterable[str] | None = None, **engine_options: Any) -> ShopResult:
        """Pull this shop (orders, then messages, then returns, or only ``resources``) as ``crossdesk
        sync`` does; return its :class:`ShopResult` (``ok``, ``error``, ``resources[name].new`` ...)."""
        engine_options.setdefault("actor", self.actor)
        with self.connections() as conn:
            engine = self.desk.sync.engine(conn, **engine_options)
            wanted = tuple(resources) if resources is not None else None
            [result] = engine.run(platform=self.platform, shop=str(self.shop_id), resources=wanted)
            self._keep_connector(conn)
        self.result = result
        return result

    def send(self, **dispatcher_options: Any) -> DispatchReport:
        """Send this shop's due outbox items as ``crossdesk outbox send`` does; return the
        :class:`DispatchReport` (ids ``sent``, ``retrying``, ``failed``, ``manual``; ``skipped`` reasons)."""
        dispatcher_options.setdefault("actor", self.actor)
        with self.connections() as conn:
            report = self.desk.sync.dispatcher(conn, **dispatcher_options).run(
                platform=self.platform, shop=str(self.shop_id)
            )
            self._keep_connector(conn)
        return report

    # ---- reading what was stored -----------------------------------------------------------------------

    def _rows(self, sql: str, params: list[Any]) -> list[dict]:
        return [dict(row) for row in self.desk.db.query(sql, params)]

    def orders(self) -> list[dict]:
        """This shop's orders (the ``orders`` row), each with its ``lines``, oldest first."""
        out = self._rows("SELECT * FROM orders WHERE shop_id = ? ORDER BY ordered_at, id", [self.shop_id])
        for order in out:
            order["lines"] = self._rows(
                "SELECT * FROM order_lines WHERE order_id = ? ORDER BY id", [order["id"]]
            )
        return out

    def customers(self) -> list[dict]:
        """The buyers with an identity in this shop, each with ``identity`` (its external id here)."""
        return self._rows(
            "SELECT c.*, i.external_id AS identity FROM customers c JOIN customer_identities i "
            "ON i.customer_id = c.id WHERE i.shop_id = ? ORDER BY c.id",
            [self.shop_id],
        )

    def tickets(self) -> list[dict]:
        """This shop's tickets (``external_id`` is the thread id), each with its ``messages`` and ``tags``."""
        out = self._rows("SELECT * FROM tickets WHERE shop_id = ? ORDER BY id", [self.shop_id])
        for ticket in out:
            ticket["messages"] = self.messages(ticket["id"])
            ticket["tags"] = self.desk.tickets.tags(ticket["id"])
        return out

    def messages(self, ticket_id: int | None = None) -> list[dict]:
        """This shop's messages (``direction`` in, out or note), of one ticket or all, in time order."""
        if ticket_id is not None:
            return self._rows(
                "SELECT * FROM messages WHERE ticket_id = ? ORDER BY created_at, id", [ticket_id]
            )
        return self._rows("SELECT * FROM messages WHERE shop_id = ? ORDER BY created_at, id", [self.shop_id])

    def cases(self) -> list[dict]:
        """This shop's after-sales cases (returns synced in become cases), each with its ``lines``."""
        out = self._rows("SELECT * FROM cases WHERE shop_id = ? ORDER BY id", [self.shop_id])
        for case in out:
            case["lines"] = self._rows("SELECT * FROM case_lines WHERE case_id = ?", [case["id"]])
        return out

    def outbox(self, status: str | None = None) -> list[dict]:
        """This shop's outbox items, oldest first (only those of ``status`` when given: pending, sending,
        sent, failed, manual), each with its ``payload`` decoded and ``action``, the typed action the
        connector receives (:mod:`crossdesk.platforms`; None for a row that does not read as one)."""
        sql, params = "SELECT * FROM outbox WHERE shop_id = ?", [self.shop_id]
        if status is not None:
            sql, params = sql + " AND status = ?", [*params, status]
        out = self._rows(sql + " ORDER BY id", params)
        for item in out:
            try:
                item["action"] = from_json(item["kind"], item["payload"])
            except (ValueError, TypeError):  # kept as stored; the dispatcher fails such an item
                item["action"] = None
            item["payload"] = orjson.loads(item["payload"])
        return out

    def rejected(self) -> list[dict]:
        """The records the desk refused during syncs of this shop: ``resource``, ``external_id``, ``error``."""
        rows = self.desk.db.execute(
            "SELECT after FROM audit WHERE action = 'sync.reject' AND object_type = 'shop' AND object_id = ? "
            "ORDER BY id",
            [self.shop_id],
        ).fetchall()
        return [orjson.loads(after) for (after,) in rows]

    def cursors(self) -> dict[str, str]:
        """The stored sync cursor of each resource of this shop (where the next sync resumes)."""
        rows = self.desk.db.execute(
            "SELECT resource, cursor FROM sync_cursors WHERE shop_id = ?", [self.shop_id]
        ).fetchall()
        return dict(rows)
