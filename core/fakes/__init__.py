"""Local fakes of the remote APIs crossdesk talks to, for contract tests and demos (loopback only).

:mod:`crossdesk.fakes.server` is the reusable base (:class:`FakeServer`); each remote API has a module
beside it (``deepl``, ``libretranslate``, ``google_translate``, and the marketplaces).
"""

from crossdesk.fakes.server import FakeRequest, FakeResponse, FakeServer, Fault

__all__ = ["FakeRequest", "FakeResponse", "FakeServer", "Fault"]
