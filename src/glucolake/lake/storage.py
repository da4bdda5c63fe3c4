"""The lake's storage: a local folder or an S3 bucket, behind one small interface.

Both write files whole or not at all. On a folder a file is written under a hidden temporary name
in its final directory, flushed to disk and renamed; on S3 an object only becomes visible when its
single PUT (or its multipart upload) completes. A process killed at any moment therefore leaves
either no file or a whole one, and no reader ever globs a temporary name (they end in ``.tmp``).
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pyarrow.fs as pafs
import pyarrow.parquet as pq

from glucolake.files import write_atomic

if TYPE_CHECKING:
    import pyarrow as pa

    from glucolake.settings import S3Settings

__all__ = ["Lake", "LakeError"]


class LakeError(RuntimeError):
    """The lake cannot be reached or written; the message names the location."""


class Lake:
    """A root (folder or ``s3://bucket/prefix``) and the file system that holds it."""

    def __init__(self, fs: pafs.FileSystem, root: str, uri: str) -> None:
        """Wrap ``fs``; ``root`` is the path in ``fs``, ``uri`` its public name."""
        self._fs = fs
        self._root = root.rstrip("/")
        self.uri = uri.rstrip("/")
        self.is_local = isinstance(fs, pafs.LocalFileSystem)

    @classmethod
    def open(cls, location: str, s3: S3Settings) -> Lake:
        """Open the lake at ``location`` (an absolute folder or ``s3://bucket/prefix``)."""
        if location.startswith("s3://"):
            return cls(_s3_filesystem(s3), location.removeprefix("s3://"), location)
        Path(location).mkdir(parents=True, exist_ok=True)
        return cls(pafs.LocalFileSystem(), location, Path(location).as_uri())

    @property
    def filesystem(self) -> pafs.FileSystem:
        """The pyarrow file system, for readers that take one."""
        return self._fs

    def path(self, relpath: str) -> str:
        """The full path of ``relpath`` inside the file system."""
        return f"{self._root}/{relpath.lstrip('/')}"

    def uri_of(self, relpath: str) -> str:
        """The public URI of ``relpath`` (``file://…`` or ``s3://…``)."""
        return f"{self.uri}/{relpath.lstrip('/')}"

    def check(self) -> None:
        """Fail fast with one clear line if the lake cannot be listed."""
        try:
            self._fs.get_file_info(pafs.FileSelector(self._root, allow_not_found=True))
        except OSError as exc:
            raise LakeError(f"lake {self.uri}: cannot reach it ({_first_line(exc)})") from None

    def put_atomic(self, relpath: str, data: bytes) -> None:
        """Write ``data`` at ``relpath`` so that readers see all of it or nothing."""
        target = self.path(relpath)
        try:
            if self.is_local:
                write_atomic(Path(target), data)
            else:
                with self._fs.open_output_stream(target) as stream:
                    stream.write(data)
        except OSError as exc:
            raise LakeError(
                f"lake {self.uri}: cannot write {relpath} ({_first_line(exc)})"
            ) from None

    def put_parquet(self, relpath: str, table: pa.Table) -> None:
        """Write a small table (a record, a summary) as one zstd Parquet file, all or nothing.

        The raw zone's files have their own encodings per column (``raw_encoding``).
        """
        sink = io.BytesIO()
        pq.write_table(table, sink, compression="zstd")
        self.put_atomic(relpath, sink.getvalue())

    def get(self, relpath: str) -> bytes | None:
        """Read a whole file, or ``None`` if it does not exist."""
        try:
            with self._fs.open_input_stream(self.path(relpath)) as stream:
                data: bytes = stream.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            if "does not exist" in str(exc) or "NoSuchKey" in str(exc):
                return None
            raise LakeError(
                f"lake {self.uri}: cannot read {relpath} ({_first_line(exc)})"
            ) from None
        return data

    def delete(self, relpath: str) -> None:
        """Remove a file; a file already gone is fine (deletes are retried after a kill)."""
        try:
            self._fs.delete_file(self.path(relpath))
        except FileNotFoundError:
            return
        except OSError as exc:
            if "does not exist" in str(exc) or "NoSuchKey" in str(exc):
                return
            raise LakeError(
                f"lake {self.uri}: cannot delete {relpath} ({_first_line(exc)})"
            ) from None

    def remove_empty_dir(self, reldir: str) -> None:
        """Remove a local folder left empty by deletes (S3 has no folders: nothing to do)."""
        if self.is_local:
            with contextlib.suppress(OSError):
                Path(self.path(reldir)).rmdir()  # refuses a folder that still holds files

    def list_files(self, reldir: str, *, suffix: str = ".parquet") -> list[str]:
        """Relative paths of the files directly in ``reldir`` ending in ``suffix``, sorted."""
        return sorted(
            info.path.removeprefix(self._root + "/")
            for info in self._infos(reldir)
            if info.type == pafs.FileType.File and info.base_name.endswith(suffix)
        )

    def list_dirs(self, reldir: str) -> list[str]:
        """Names of the directories directly in ``reldir``, sorted."""
        return sorted(
            info.base_name for info in self._infos(reldir) if info.type == pafs.FileType.Directory
        )

    def read_parquet(self, relpath: str, columns: list[str] | None = None) -> pa.Table:
        """Read a Parquet file (or some of its columns).

        One file, so no dataset: ``pq.read_table`` builds a dataset for every call, which cost a
        refresh's ingest a millisecond per file read (it reads each partition it writes to).
        """
        with self._fs.open_input_file(self.path(relpath)) as handle:
            return pq.ParquetFile(handle).read(columns=columns)

    def _infos(self, reldir: str) -> list[pafs.FileInfo]:
        selector = pafs.FileSelector(self.path(reldir), allow_not_found=True)
        try:
            return list(self._fs.get_file_info(selector))
        except OSError as exc:
            raise LakeError(f"lake {self.uri}: cannot list {reldir} ({_first_line(exc)})") from None


def _s3_filesystem(s3: S3Settings) -> pafs.S3FileSystem:
    options: dict[str, object] = {
        "region": s3.region or "us-east-1",
        "connect_timeout": 5,
        "request_timeout": 30,
        "retry_strategy": pafs.AwsStandardS3RetryStrategy(max_attempts=4),
        "allow_bucket_creation": False,
        "allow_bucket_deletion": False,
    }
    if s3.endpoint_url:
        parts = urlsplit(s3.endpoint_url)
        options["endpoint_override"] = parts.netloc or parts.path
        options["scheme"] = parts.scheme or "https"
    if s3.access_key_id and s3.secret_access_key:
        options["access_key"] = s3.access_key_id.reveal()
        options["secret_key"] = s3.secret_access_key.reveal()
    return pafs.S3FileSystem(**options)  # type: ignore[arg-type]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
