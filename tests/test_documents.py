"""The document stores: a local directory, and S3 (against moto's S3)."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from actors.documents import LocalDocumentStore, S3DocumentStore, document_store


async def test_local_store_round_trips_and_refuses_unsafe_keys(tmp_path: Path) -> None:
    store = document_store((tmp_path / "docs").as_uri())
    assert isinstance(store, LocalDocumentStore)
    await store.put("customer-1/document-1", b"%PDF-1.4 hello")
    assert await store.get("customer-1/document-1") == b"%PDF-1.4 hello"
    for key in ("../escape", "a//b", "/absolute", "a/./b", "a/b c"):
        with pytest.raises(ValueError, match="unsafe document key"):
            await store.put(key, b"x")


async def test_s3_store_round_trips_encrypted_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        boto3.client("s3", region_name="eu-west-1").create_bucket(
            Bucket="kyc-documents", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        store = document_store("s3://kyc-documents/bankflow?region=eu-west-1")
        assert isinstance(store, S3DocumentStore)
        await store.put("customer-1/document-1", b"\x89PNG\r\n\x1a\n...")
        assert await store.get("customer-1/document-1") == b"\x89PNG\r\n\x1a\n..."
        head = boto3.client("s3", region_name="eu-west-1").head_object(
            Bucket="kyc-documents", Key="bankflow/customer-1/document-1"
        )
        assert head["ServerSideEncryption"] == "AES256"
        with pytest.raises(ValueError, match="unsafe document key"):
            await store.put("../x", b"x")


def test_unknown_store_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="unsupported document store"):
        document_store("ftp://example.com/docs")
