"""Amazon seller feedback through the SP-API Reports API (2021-06-30), mixed into the Amazon connector.

SP-API has no feedback endpoint: the seller's feedback comes as the ``GET_SELLER_FEEDBACK_DATA`` report.
``POST /reports/2021-06-30/reports`` asks for it (``marketplaceIds``, ``dataStartTime``: the last
``feedback_days`` days, 90 by default, the span in which a buyer may leave or remove feedback);
``GET /reports/2021-06-30/reports/{reportId}`` is polled until ``processingStatus`` is DONE (CANCELLED: no
data for the span; FATAL: Amazon could not make it); ``GET /reports/2021-06-30/documents/{id}`` gives a
pre-signed ``url`` (fetched without the SP-API token) to a tab-separated document, gzipped when
``compressionAlgorithm`` is GZIP. Its columns: Date, Rating (1-5), Comments, Response, Order ID, Rater
Email (the buyer's relay address, the one the orders carry). Dates follow the marketplace's locale: month
first in North America, day first elsewhere (``feedback_date_format`` overrides it).

What Amazon does not expose: a feedback id (the order id stands for it: one feedback per order), the SKU
(the desk's order has it), and any way to answer feedback through the API (the public response is written
in Seller Central's Feedback Manager). A seller may not ask a buyer to change or remove feedback
(the lint and the Amazon connector refuse such a text; docs/reputation.md).

The pull pages like this: the first page asks for the report and returns only a cursor holding its id; the
next polls it (``report_poll_seconds`` apart, 5 by default, for at most ``report_wait_seconds``, 20) and,
once it is DONE, returns every row. A report not done by then ends the pull with a "still preparing" line
(not an error: Amazon often takes minutes); the next pull (the next sync) goes on polling the same report
(the cursor keeps its id), so Amazon is not asked for a new one each time.
"""

from __future__ import annotations

import csv
import gzip
import io
import time
from datetime import UTC, datetime
from typing import Any

from crossdesk.platforms import Page, PlatformError
from crossdesk.plugins.platforms._http import dump_cursor, epoch_to_iso, json_body, load_cursor, request

REPORTS = "/reports/2021-06-30"
REPORT_TYPE = "GET_SELLER_FEEDBACK_DATA"
FEEDBACK_THREAD = "amazon-feedback:"
NORTH_AMERICA = frozenset({"ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1AM78C64UM0Y8"})
NEGATIVE_AT_MOST = 2  # Amazon counts one and two stars as negative feedback
REQUIRED = ("date", "rating", "order id")


class AmazonFeedback:
    """Needs ``self._call``, ``self._get_json``, ``self.client``, ``self.policy``, ``self.marketplace_id``
    and ``self.feedback_options`` (the shop config's ``feedback_*`` and ``report_*`` keys)."""

    _call: Any
    _get_json: Any
    client: Any
    policy: Any
    marketplace_id: str
    feedback_options: dict[str, Any]

    def fetch_reviews(self, cursor: str | None) -> Page:
        state = load_cursor(cursor)
        report_id = state.get("report_id")
        if not report_id:
            return Page([], dump_cursor({"report_id": self._create_report()}), True)
        document_id = self._wait_for(str(report_id))
        if document_id is None:  # CANCELLED: Amazon had no feedback for the span
            return Page([], None, False)
        return Page(self._feedback_rows(self._download(document_id)), None, False)

    def _create_report(self) -> str:
        days = int(self.feedback_options.get("feedback_days", 90))
        since = int(time.time()) - days * 86400
        response = self._call(
            "POST",
            f"{REPORTS}/reports",
            json={
                "reportType": REPORT_TYPE,
                "marketplaceIds": [self.marketplace_id],
                "dataStartTime": epoch_to_iso(since),
            },
        )
        body = json_body(response, what="amazon createReport")
        if response.status_code != 202 or not isinstance(body, dict) or not body.get("reportId"):
            errors = (body or {}).get("errors") if isinstance(body, dict) else None
            detail = f" {errors[0].get('code', '')} {errors[0].get('message', '')}" if errors else ""
            raise PlatformError(
                f"amazon createReport {REPORT_TYPE}: HTTP {response.status_code}{detail}".rstrip(),
                status=response.status_code,
            )
        return str(body["reportId"])

    def _wait_for(self, report_id: str) -> str | None:
        poll = float(self.feedback_options.get("report_poll_seconds", 5))
        deadline = time.monotonic() + float(self.feedback_options.get("report_wait_seconds", 20))
        while True:
            report = self._get_json(f"{REPORTS}/reports/{report_id}", {})
            status = str(report.get("processingStatus") or "")
            if status == "DONE" and report.get("reportDocumentId"):
                return str(report["reportDocumentId"])
            if status == "CANCELLED":
                return None
            if status == "FATAL":
                exc = PlatformError(
                    f"amazon seller feedback report {report_id} failed on Amazon's side (FATAL); "
                    "the next pull asks for a new one"
                )
                exc.restart = True  # type: ignore[attr-defined]  # the pull forgets this report
                raise exc
            if time.monotonic() + poll > deadline:
                waiting = PlatformError(
                    f"amazon seller feedback report {report_id} is still {status or 'not ready'}; "
                    "the next pull goes on with it",
                    retryable=True,
                )
                waiting.waiting = True  # type: ignore[attr-defined]  # not a failure: Amazon takes minutes
                raise waiting
            time.sleep(poll)

    def _download(self, document_id: str) -> str:
        doc = self._get_json(f"{REPORTS}/documents/{document_id}", {})
        url = doc.get("url")
        if not url:
            raise PlatformError(f"amazon getReportDocument {document_id}: no url", retryable=True)
        # A pre-signed URL: no SP-API token (the signature is in it), and never logged or stored.
        response = request(self.client, "GET", str(url), policy=self.policy, what="amazon report document")
        if response.status_code != 200:
            raise PlatformError(
                f"amazon report document {document_id}: HTTP {response.status_code}", retryable=True
            )
        data = response.content
        if str(doc.get("compressionAlgorithm") or "").upper() == "GZIP":
            try:
                data = gzip.decompress(data)
            except (OSError, EOFError) as exc:
                raise PlatformError(
                    f"amazon report document {document_id}: not gzip as announced ({exc})", retryable=True
                ) from None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return data.decode("cp1252", errors="replace")  # older EU reports are Windows-1252

    def _date(self, text: str) -> int | None:
        fmt = self.feedback_options.get("feedback_date_format") or (
            "%m/%d/%y" if self.marketplace_id in NORTH_AMERICA else "%d/%m/%y"
        )
        for candidate in (fmt, fmt.replace("%y", "%Y"), "%Y-%m-%d", "%d.%m.%y", "%d.%m.%Y"):
            try:
                return int(datetime.strptime(text.strip(), candidate).replace(tzinfo=UTC).timestamp())
            except ValueError:
                continue
        return None

    def _feedback_rows(self, text: str) -> list[dict[str, Any]]:
        reader = csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
        header = [h.strip().lower() for h in next(reader, [])]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise PlatformError(f"amazon seller feedback report: no column {', '.join(missing)} in {header}")
        col = {name: i for i, name in enumerate(header)}
        records = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            cell = {name: (row[i].strip() if i < len(row) else "") for name, i in col.items()}
            order_id = cell["order id"]
            rating = int(cell["rating"]) if cell["rating"].isdigit() else 0
            created = self._date(cell["date"])
            if not order_id or created is None:
                continue  # a row without its order or date cannot be tied to anything
            rater = cell.get("rater email", "")
            records.append(
                {
                    "external_id": order_id,  # Amazon keeps one feedback per order and gives it no id
                    "kind": "seller_feedback",
                    "rating": rating,  # 0 for a malformed one: the pull says so and skips it
                    "negative": 0 < rating <= NEGATIVE_AT_MOST,
                    "body": cell.get("comments", ""),
                    "created_at": created,
                    "order_external_id": order_id,
                    "sku": "",  # not in the report
                    "customer": {"external_id": rater or f"order:{order_id}", "handle": ""},
                    "reply": cell.get("response", ""),
                    "thread_id": f"{FEEDBACK_THREAD}{order_id}",
                }
            )
        return records
