"""Issue 18 item 10: ``crossdesk sync`` translates what it brought in, not the whole backlog of the desk."""

from __future__ import annotations

import re

from click.testing import CliRunner

from crossdesk.api import Desk
from crossdesk.cli import cli
from crossdesk.models import Actor
from tests.sync.test_cli_sync import desk_file  # noqa: F401 - the eBay fake and a desk file with its shop


def test_sync_translates_only_the_messages_it_brought_in(desk_file):  # noqa: F811
    path, _fake = desk_file
    desk = Desk.open(path)
    shop = desk.db.execute("SELECT id FROM shops").fetchone()[0]
    for i in range(25):  # an old backlog, never translated (say, imported history)
        desk.receive_message(
            Actor.system(),
            platform="ebay",
            shop_id=shop,
            thread_id=f"old-{i}",
            external_id=f"old-{i}",
            body=f"Wo ist mein Paket Nummer {i}?",
            created_at=1_700_000_000 + i,
        )
    desk.close()
    out = CliRunner().invoke(cli, ["sync", "--db", str(path), "--pull-only"])
    assert out.exit_code == 0, out.output
    new = int(re.search(r"messages: \d+ fetched, (\d+) new", out.output).group(1))
    assert new > 0
    # a new negative feedback came in as a buyer message too (reviews are pulled by sync)
    new += int(re.search(r"reviews: .* (\d+) new negative", out.output).group(1))
    seen = int(re.search(r"translation: \d+ of (\d+) new buyer messages", out.output).group(1))
    assert seen == new
