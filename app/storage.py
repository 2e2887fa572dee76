"""Where attachment files live: one small interface, two backends.

- ``local`` (default): a folder, UPLOAD_FOLDER or instance/uploads. One host, or several
  hosts that mount one shared folder (NFS) at that path.
- ``s3``: an S3-compatible object store (BOARD_STORAGE=s3, BOARD_S3_BUCKET, optional
  BOARD_S3_ENDPOINT_URL and BOARD_S3_REGION; keys from BOARD_S3_ACCESS_KEY/BOARD_S3_SECRET_KEY
  or the standard AWS variables). Every host reads and writes the same bucket.

Keys are the random stored names of attachments (``<32 hex>.<ext>``); the files behind them
are never changed once written, only deleted.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import BinaryIO

from flask import current_app

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


class StorageError(Exception):
    """The storage backend could not be reached or refused the operation."""


def _checked(key: str) -> str:
    if not _KEY.match(key) or ".." in key:
        raise ValueError(f"not a storage key: {key!r}")
    return key


class LocalStorage:
    name = "local"

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        return self.folder / _checked(key)

    def put(self, key: str, stream: BinaryIO) -> int:
        """Write the stream under the key; returns the size written."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._path(key)
        partial = path.with_name(path.name + ".part")
        with open(partial, "wb") as out:
            shutil.copyfileobj(stream, out)
        os.replace(partial, path)  # readers on any host see the whole file or none
        return path.stat().st_size

    def open(self, key: str) -> BinaryIO:
        """The file for reading; FileNotFoundError when there is none."""
        return open(self._path(key), "rb")

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def check(self) -> None:
        """Raise unless files can be written here."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if not os.access(self.folder, os.W_OK | os.X_OK):
            raise StorageError(f"{self.folder} is not writable")


class S3Storage:
    name = "s3"

    def __init__(self, bucket: str, client):
        self.bucket = bucket
        self.client = client

    @classmethod
    def from_config(cls, config) -> "S3Storage":
        import boto3
        from botocore.config import Config

        bucket = config.get("S3_BUCKET")
        if not bucket:
            raise RuntimeError("BOARD_STORAGE=s3 needs BOARD_S3_BUCKET.")
        options = {"config": Config(retries={"max_attempts": 3, "mode": "standard"},
                                    connect_timeout=5, read_timeout=30)}
        if config.get("S3_ENDPOINT_URL"):
            options["endpoint_url"] = config["S3_ENDPOINT_URL"]
        if config.get("S3_REGION"):
            options["region_name"] = config["S3_REGION"]
        if config.get("S3_ACCESS_KEY"):  # otherwise boto3's own chain: AWS_* variables, files
            options["aws_access_key_id"] = config["S3_ACCESS_KEY"]
            options["aws_secret_access_key"] = config.get("S3_SECRET_KEY")
        return cls(bucket, boto3.session.Session().client("s3", **options))

    def _missing(self, exc) -> bool:
        error = getattr(exc, "response", {}).get("Error", {})
        return error.get("Code") in {"404", "NoSuchKey", "NotFound"}

    def put(self, key: str, stream: BinaryIO) -> int:
        self.client.upload_fileobj(stream, self.bucket, _checked(key))
        return self.size(key)

    def open(self, key: str) -> BinaryIO:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=_checked(key))
        except ClientError as exc:
            if self._missing(exc):
                raise FileNotFoundError(key) from exc
            raise
        return answer["Body"]

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=_checked(key))

    def _head(self, key: str):
        from botocore.exceptions import ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=_checked(key))
        except ClientError as exc:
            if self._missing(exc):
                return None
            raise

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise FileNotFoundError(key)
        return int(head["ContentLength"])

    def check(self) -> None:
        self.client.head_bucket(Bucket=self.bucket)


def build(app):
    kind = (app.config.get("STORAGE") or "local").lower()
    if kind == "local":
        folder = app.config.get("UPLOAD_FOLDER") or Path(app.instance_path) / "uploads"
        return LocalStorage(Path(folder))
    if kind == "s3":
        return S3Storage.from_config(app.config)
    raise RuntimeError(f"BOARD_STORAGE must be local or s3, not {kind!r}.")


def get(app=None):
    """The storage of this app (built on first use)."""
    app = app or current_app._get_current_object()
    found = app.extensions.get("storage")
    if found is None:
        found = app.extensions["storage"] = build(app)
    return found
