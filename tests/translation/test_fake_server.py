"""The loopback fake-server base: routing, recording, faults, outages."""

from __future__ import annotations

import httpx
import pytest

from crossdesk.fakes import FakeRequest, FakeResponse, FakeServer, Fault


@pytest.fixture
def shop():
    server = FakeServer("petshop")
    pets = {"1": {"name": "Rex"}}

    @server.route("GET", "/pets/{pet_id}")
    def get_pet(req: FakeRequest) -> FakeResponse:
        pet = pets.get(req.path_params["pet_id"])
        return FakeResponse.json(pet) if pet else FakeResponse.json({"error": "not found"}, status=404)

    @server.route("POST", "/pets")
    def add_pet(req: FakeRequest) -> dict:
        body = req.params()
        pets[str(len(pets) + 1)] = body
        return {"id": str(len(pets)), **body}

    with server:
        yield server


def test_binds_loopback_on_an_ephemeral_port(shop):
    assert shop.base_url.startswith("http://127.0.0.1:")
    assert shop.port > 0


def test_routes_path_params_and_methods(shop):
    with httpx.Client(base_url=shop.base_url) as c:
        assert c.get("/pets/1").json() == {"name": "Rex"}
        assert c.get("/pets/9").status_code == 404
        assert c.get("/nowhere").status_code == 404
        r = c.delete("/pets/1")
        assert r.status_code == 405 and r.headers["Allow"] == "GET"
        assert c.post("/pets", json={"name": "Tom"}).json() == {"id": "2", "name": "Tom"}
        assert c.post("/pets", data={"name": "Ann"}).json()["name"] == "Ann"  # form bodies too


def test_records_every_request_with_headers_query_and_body(shop):
    with httpx.Client(base_url=shop.base_url) as c:
        c.get("/pets/1", params={"full": "1"}, headers={"X-Token": "abc"})
        c.post("/pets", json={"name": "Tom"})
    first, second = shop.requests
    assert (first.method, first.path, first.query, first.header("x-token")) == (
        "GET",
        "/pets/1",
        {"full": ["1"]},
        "abc",
    )
    assert second.json() == {"name": "Tom"}
    assert [r.path for r in shop.requests_to("/pets/{pet_id}")] == ["/pets/1"]
    assert len(shop.requests_to("/pets", method="POST")) == 1


def test_injected_status_faults_are_consumed_in_order(shop):
    shop.inject(Fault.rate_limited(retry_after=7), times=2, path="/pets/{pet_id}")
    shop.inject(Fault.server_error(502))
    with httpx.Client(base_url=shop.base_url) as c:
        r1, r2 = c.get("/pets/1"), c.get("/pets/1")
        assert (r1.status_code, r1.headers["Retry-After"]) == (429, "7")
        assert r2.status_code == 429
        assert c.get("/pets/1").status_code == 502
        assert c.get("/pets/1").status_code == 200
    assert shop.pending_faults() == 0
    assert len(shop.requests) == 4  # faulted requests are recorded too


def test_fault_filters_by_method(shop):
    shop.inject(Fault.server_error(500), method="POST")
    with httpx.Client(base_url=shop.base_url) as c:
        assert c.get("/pets/1").status_code == 200
        assert c.post("/pets", json={"name": "x"}).status_code == 500


def test_slow_answer_times_the_client_out(shop):
    shop.inject(Fault.slow(0.5))
    with httpx.Client(base_url=shop.base_url, timeout=0.1) as c:
        with pytest.raises(httpx.ReadTimeout):
            c.get("/pets/1")
        assert c.get("/pets/1").status_code == 200  # the server is fine afterwards


def test_malformed_body_and_disconnect(shop):
    shop.inject(Fault.malformed())
    shop.inject(Fault.disconnect())
    with httpx.Client(base_url=shop.base_url) as c:
        r = c.get("/pets/1")
        assert r.status_code == 200
        with pytest.raises(ValueError):
            r.json()
        with pytest.raises(httpx.TransportError):
            c.get("/pets/1")


def test_go_down_and_come_back(shop):
    shop.go_down()
    with httpx.Client(base_url=shop.base_url) as c:
        assert [c.get("/pets/1").status_code for _ in range(3)] == [503, 503, 503]
        shop.come_back()
        assert c.get("/pets/1").status_code == 200


def test_stopped_server_refuses_connections(shop):
    url = shop.url("/pets/1")
    shop.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=1)


def test_a_crashing_handler_answers_500():
    server = FakeServer("broken")
    server.add_route("GET", "/", lambda req: 1 / 0)
    with server:
        r = httpx.get(server.url("/"))
    assert r.status_code == 500 and "ZeroDivisionError" in r.json()["message"]
