"""What the back office reviews KYC with: a document's content as uploaded (own, or staff), and
the queue of submitted customers, the longest waiting first, with when each submitted."""

from __future__ import annotations

import uuid
from datetime import datetime

import httpx

from tests.banking_client import PDF, new_customer

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _upload(api: httpx.Client, customer_id: str, headers: dict[str, str], name: str, content: bytes) -> str:
    files = {"file": (name, content, "application/octet-stream")}
    response = api.post(
        f"/api/v1/customers/{customer_id}/documents", data={"kind": "utility_bill"}, files=files, headers=headers
    )
    assert response.status_code == 201, response.text
    document_id: str = response.json()["document_id"]
    return document_id


def test_a_documents_content_is_served_as_stored_to_its_owner_and_staff(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    ada, eve = new_customer(api, None, approve=False), new_customer(api, None, approve=False)
    # The name the uploader gave plays no part: neither in the type nor in the served file name.
    document_id = _upload(api, ada.customer_id, ada.headers, '"; evil.html', PNG)
    path = f"/api/v1/customers/{ada.customer_id}/documents/{document_id}/content"
    for headers in (ada.headers, admin):
        response = api.get(path, headers=headers)
        assert response.status_code == 200, response.text
        assert response.content == PNG
        assert response.headers["content-type"] == "image/png"
        assert response.headers["content-disposition"] == f'inline; filename="utility_bill-{document_id}.png"'
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "private, no-store"
    listed = api.get(f"/api/v1/customers/{ada.customer_id}/documents", headers=ada.headers).json()["items"]
    pdf = next(item for item in listed if item["content_type"] == "application/pdf")
    first = api.get(f"/api/v1/customers/{ada.customer_id}/documents/{pdf['document_id']}/content", headers=ada.headers)
    assert first.status_code == 200 and first.content == PDF and first.headers["content-type"] == "application/pdf"

    assert api.get(path, headers=eve.headers).status_code == 404
    own_customer_other_document = f"/api/v1/customers/{eve.customer_id}/documents/{document_id}/content"
    assert api.get(own_customer_other_document, headers=eve.headers).status_code == 404
    missing = f"/api/v1/customers/{ada.customer_id}/documents/{uuid.uuid4()}/content"
    assert api.get(missing, headers=ada.headers).json()["error"]["code"] == "not_found"
    assert api.get(path).status_code == 401


def test_the_kyc_queue_lists_submissions_oldest_first_with_their_time(api: httpx.Client, admin: dict[str, str]) -> None:
    waiting = [new_customer(api, None, approve=False) for _ in range(3)]
    ids = [customer.customer_id for customer in waiting]
    seen: list[dict[str, object]] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"kyc_status": "SUBMITTED", "sort": "kyc_updated_at", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = api.get("/api/v1/customers/search", params=params, headers=admin)
        assert response.status_code == 200, response.text
        page = response.json()
        seen.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert all(item["kyc_status"] == "SUBMITTED" and item["kyc_updated_at"] for item in seen)
    ours = [item["customer_id"] for item in seen if item["customer_id"] in ids]
    assert ours == ids  # submitted one after another: the queue keeps that order
    submitted = [datetime.fromisoformat(str(item["kyc_updated_at"])) for item in seen]
    assert submitted == sorted(submitted)
    # A cursor of one order is not one of the other.
    name_page = api.get("/api/v1/customers/search", params={"limit": 1}, headers=admin).json()
    mixed = {"sort": "kyc_updated_at", "cursor": name_page["next_cursor"]}
    assert api.get("/api/v1/customers/search", params=mixed, headers=admin).status_code == 422
    bad_sort = api.get("/api/v1/customers/search", params={"sort": "ssn"}, headers=admin)
    assert bad_sort.status_code == 422
    assert (
        api.get("/api/v1/customers/search", params={"sort": "kyc_updated_at"}, headers=waiting[0].headers).status_code
        == 403
    )
