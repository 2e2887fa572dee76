"""Attachment files through the storage interface (app/storage.py): the local folder and an
S3-compatible object store (moto's server on a loopback port stands in for one)."""
from __future__ import annotations

import io
import os
import uuid

import pytest
from sqlalchemy import select

from app import storage
from app.extensions import db
from app.items.models import Attachment
from app.themes.models import WorkgroupType
from tests.factories import ThemeFactory, member
from tests.helpers import Client


def _s3(s3_server, bucket=None, create=True):
    import boto3

    bucket = bucket or f"board-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_server.url, region_name="eu-west-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
    if create:
        client.create_bucket(Bucket=bucket,
                             CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    return storage.S3Storage(bucket, client)


@pytest.fixture(params=["local", "s3"])
def backend(request, tmp_path):
    if request.param == "local":
        return storage.LocalStorage(tmp_path / "uploads")
    return _s3(request.getfixturevalue("s3_server"))


def test_put_open_size_exists_delete(backend):
    key = uuid.uuid4().hex + ".pdf"
    assert not backend.exists(key)
    assert backend.put(key, io.BytesIO(b"%PDF-1.7 inhoud")) == 15
    assert backend.exists(key) and backend.size(key) == 15
    with backend.open(key) as stream:
        assert stream.read() == b"%PDF-1.7 inhoud"
    backend.delete(key)
    assert not backend.exists(key)
    with pytest.raises(FileNotFoundError):
        backend.open(key)
    backend.delete(key)  # deleting what is gone is no error
    backend.check()


def test_keys_cannot_leave_the_store(backend):
    for key in ("../secret", "/etc/passwd", "a/b.pdf", ""):
        with pytest.raises(ValueError):
            backend.put(key, io.BytesIO(b"x"))


def test_s3_settings_build_a_client(app, s3_server):
    probe = _s3(s3_server)
    config = {"STORAGE": "s3", "S3_BUCKET": probe.bucket, "S3_ENDPOINT_URL": s3_server.url,
              "S3_REGION": "eu-west-1", "S3_ACCESS_KEY": "test", "S3_SECRET_KEY": "test"}
    built = storage.S3Storage.from_config(config)
    built.put("abc.txt", io.BytesIO(b"gedeeld"))
    assert probe.open("abc.txt").read() == b"gedeeld"


@pytest.fixture(params=["local", "s3"])
def board_storage(request, app, tmp_path, monkeypatch):
    if request.param == "local":
        store = storage.LocalStorage(tmp_path / "shared-folder")
    else:
        store = _s3(request.getfixturevalue("s3_server"))
    monkeypatch.setitem(app.extensions, "storage", store)
    return store


def test_attachments_go_to_the_storage_and_come_back(app, board_storage):
    theme = ThemeFactory(workgroup_type=WorkgroupType.CLOSED)
    author = Client(app)
    author.login(member(theme).email)
    resp = author.post(f"/t/{theme.slug}/posts/new",
                       {"title": "Met bijlage", "body": "Zie bijlage",
                        "attachments": [(io.BytesIO(b"%PDF-1.7 jaarverslag"), "verslag.pdf")]},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    att = db.session.scalar(select(Attachment).where(Attachment.filename == "verslag.pdf"))
    assert board_storage.open(att.stored_name).read() == b"%PDF-1.7 jaarverslag"
    assert not os.path.exists(os.path.join(app.instance_path, "uploads", att.stored_name))

    download = author.get(f"/attachments/{att.id}/{att.filename}")
    assert download.status_code == 200
    assert download.data == b"%PDF-1.7 jaarverslag"
    assert download.headers["Content-Disposition"] == "attachment; filename=verslag.pdf"
    assert download.headers["Cache-Control"] == "private, no-cache"
    assert download.headers["ETag"] and download.headers["Last-Modified"]
    assert download.headers["Content-Length"] == str(len(b"%PDF-1.7 jaarverslag"))

    part = author.get(f"/attachments/{att.id}/{att.filename}", headers={"Range": "bytes=9-"})
    assert part.status_code == 206 and part.data == b"jaarverslag"  # a resumed download

    again = author.get(f"/attachments/{att.id}/{att.filename}",
                       headers={"If-None-Match": download.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    since = author.get(f"/attachments/{att.id}/{att.filename}",
                       headers={"If-Modified-Since": download.headers["Last-Modified"]})
    assert since.status_code == 304

    board_storage.delete(att.stored_name)  # a file lost from the store: not found, never a 500
    assert author.get(f"/attachments/{att.id}/{att.filename}").status_code == 404


def test_readyz_names_unreachable_storage(app, s3_server, monkeypatch):
    monkeypatch.setitem(app.extensions, "storage", _s3(s3_server, bucket="no-such-bucket",
                                                       create=False))
    resp = Client(app).get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json()["failing"] == ["storage"]
