"""Mail parsing throughput on the 13-language corpus (tests/mail/corpus.py): messages per second for
``crossdesk.mail.parse`` (MIME walk, charset decoding, HTML to text, quote stripping), against the
stdlib's bare ``email`` parse of the same bytes, and for the whole intake into a desk."""

from __future__ import annotations

import email
import sys
from email import policy
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crossdesk.api import Desk
from crossdesk.mail.parse import parse
from crossdesk.models import Actor
from tests.mail.corpus import corpus

COPIES = 20


@pytest.fixture(scope="module")
def raws() -> list[bytes]:
    return [m.raw for m in corpus()] * COPIES


@pytest.mark.benchmark(group="mail")
def test_mail_parse(benchmark, raws):
    benchmark.pedantic(lambda: [parse(r) for r in raws], rounds=5, warmup_rounds=1)
    benchmark.extra_info["messages"] = len(raws)
    benchmark.extra_info["per_second"] = round(len(raws) / benchmark.stats.stats.min)


@pytest.mark.benchmark(group="mail")
def test_mail_stdlib_parse(benchmark, raws):
    benchmark.pedantic(
        lambda: [email.message_from_bytes(r, policy=policy.default).get_body() for r in raws],
        rounds=5,
        warmup_rounds=1,
    )
    benchmark.extra_info["messages"] = len(raws)


@pytest.mark.benchmark(group="mail")
def test_mail_intake(benchmark, tmp_path):
    """The whole intake (parse, dedup, threading, ticket intake with language detection and
    classification, attachments on disk) of the corpus into a fresh desk, once per round."""
    mails = corpus()
    actor = Actor.system("bench")
    rounds = iter(range(100))

    def setup():
        desk = Desk.memory()
        desk.__dict__["mail"] = type(desk.mail)(
            desk.store,
            tickets=desk.tickets,
            customers=desk.customers,
            orders=desk.orders,
            root=tmp_path / f"files-{next(rounds)}",
        )
        amazon = desk.upsert_shop(actor, platform="amazon", external_id="A1PA6795UKMFR9", name="Acme DE")
        shopify = desk.upsert_shop(actor, platform="shopify", external_id="acme.myshopify.com", name="Acme")
        # one message first, so the round measures mail, not the desk's one-time classifier build
        desk.receive_message(
            actor,
            platform="shopify",
            shop_id=shopify,
            thread_id="warm",
            external_id="warm",
            body="warm up",
            created_at=0,
        )
        return (desk, amazon, shopify), {}

    def run(desk, amazon, shopify):
        for m in mails:
            desk.mail.receive(actor, m.raw, amazon if m.shop == "amazon" else shopify)

    benchmark.pedantic(run, setup=setup, rounds=3, warmup_rounds=1)
    benchmark.extra_info["messages"] = len(mails)
    benchmark.extra_info["per_second"] = round(len(mails) / benchmark.stats.stats.min)
