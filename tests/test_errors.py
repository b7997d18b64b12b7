"""The API's one error shape, checked on a bare FastAPI app (no Ray needed)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from deployments.errors import ApiError, install_error_handling


class Payload(BaseModel):
    amount: str = Field(pattern=r"^\d+\.\d{2}$")


def _client() -> TestClient:
    app = FastAPI()
    install_error_handling(app)

    @app.post("/echo")
    async def echo(payload: Payload) -> dict[str, str]:
        return {"amount": payload.amount}

    @app.get("/conflict")
    async def conflict() -> None:
        raise ApiError(409, "duplicate_id_conflict", "the id was used with another body")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    return TestClient(app, raise_server_exceptions=False)


def _assert_shape(body: dict[str, object], code: str) -> None:
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error, dict)
    assert set(error) == {"code", "message", "request_id"}
    assert error["code"] == code
    assert error["request_id"]


def test_not_found_has_the_error_shape_and_a_request_id() -> None:
    response = _client().get("/nowhere")
    assert response.status_code == 404
    _assert_shape(response.json(), "not_found")
    assert response.headers["X-Request-ID"] == response.json()["error"]["request_id"]


def test_validation_error_is_422_naming_the_field() -> None:
    response = _client().post("/echo", json={"amount": "12.345"})
    assert response.status_code == 422
    _assert_shape(response.json(), "validation_error")
    assert "amount" in response.json()["error"]["message"]


def test_a_raised_api_error_keeps_its_status_and_code() -> None:
    response = _client().get("/conflict")
    assert response.status_code == 409
    _assert_shape(response.json(), "duplicate_id_conflict")


def test_an_unexpected_error_is_500_without_internals() -> None:
    response = _client().get("/boom")
    assert response.status_code == 500
    _assert_shape(response.json(), "internal_error")
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text


def test_a_well_formed_client_request_id_is_kept() -> None:
    response = _client().get("/nowhere", headers={"X-Request-ID": "client-chosen-id-123"})
    assert response.json()["error"]["request_id"] == "client-chosen-id-123"


def test_a_malformed_client_request_id_is_replaced() -> None:
    response = _client().get("/nowhere", headers={"X-Request-ID": "bad id with spaces"})
    assert response.json()["error"]["request_id"] != "bad id with spaces"
