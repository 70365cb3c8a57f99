"""Attachments: checked against size and type limits, content matched to the declared type,
stored once per SHA-256, verified on every read."""

from __future__ import annotations

import hashlib
import threading

import pytest

from motcua.core.attachments import (
    DamagedFile,
    IncomingFile,
    check_file,
    path_for,
    read_file,
    store_file,
)
from motcua.core.errors import NotFound, ValidationError

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56
TYPES = ("application/pdf", "image/png", "image/jpeg")


def check(filename: str, content_type: str, data: bytes, max_bytes: int = 1024) -> None:
    check_file(IncomingFile(filename, content_type, data), max_bytes=max_bytes,
               allowed_types=TYPES)


def test_pdf_and_png_within_limits_pass():
    check("don.pdf", "application/pdf", PDF)
    check("anh.png", "image/png; charset=binary", PNG)  # parameters are ignored


def test_file_over_the_size_limit_is_refused():
    with pytest.raises(ValidationError, match="limit is 1 KB"):
        check("lon.pdf", "application/pdf", PDF + b"\x00" * 2000)


def test_empty_file_is_refused():
    with pytest.raises(ValidationError, match="empty"):
        check("rong.pdf", "application/pdf", b"")


def test_forbidden_type_is_refused():
    with pytest.raises(ValidationError, match="application/x-msdownload"):
        check("setup.exe", "application/x-msdownload", EXE)


def test_executable_declared_as_pdf_is_refused():
    with pytest.raises(ValidationError, match="does not contain what its type"):
        check("hoa-don.pdf", "application/pdf", EXE)


def test_png_declared_as_jpeg_is_refused():
    with pytest.raises(ValidationError, match="image/jpeg"):
        check("anh.jpg", "image/jpeg", PNG)


def test_file_is_stored_under_its_sha256(tmp_path):
    digest = store_file(tmp_path, PDF)
    assert digest == hashlib.sha256(PDF).hexdigest()
    assert path_for(tmp_path, digest).read_bytes() == PDF
    assert read_file(tmp_path, digest) == PDF


def test_same_content_is_stored_once(tmp_path):
    assert store_file(tmp_path, PDF) == store_file(tmp_path, PDF)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) == 1


def test_same_content_stored_concurrently_is_whole_and_single(tmp_path):
    data = PDF * 20000  # ~1 MB, so writes overlap
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        store_file(tmp_path, data)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    digest = hashlib.sha256(data).hexdigest()
    assert read_file(tmp_path, digest) == data
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [digest]


def test_damaged_file_is_detected_on_read(tmp_path):
    digest = store_file(tmp_path, PDF)
    path_for(tmp_path, digest).write_bytes(PDF.replace(b"Catalog", b"Catalug"))
    with pytest.raises(DamagedFile, match="damaged"):
        read_file(tmp_path, digest)


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(NotFound, match="missing"):
        read_file(tmp_path, hashlib.sha256(b"never stored").hexdigest())


def test_a_path_instead_of_a_digest_is_refused(tmp_path):
    with pytest.raises(ValueError):
        read_file(tmp_path, "../../etc/passwd")
