"""The one place where a library's error becomes a reason staff see: real errors raised by the real libraries
on real damaged bytes, each said in plain words, without the library's text, its exception name or a path."""

from __future__ import annotations

import errno
import io
import re
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image
from sqlalchemy import create_engine, text

from extractors.budget import Budget
from extractors.filetypes import Limits, RejectedFile, check_file
from extractors.reasons import plain_reason

RAW = re.compile(r"[A-Z][a-z]+(Error|Exception)\b|Traceback|/tmp/|/home/|\(detail")


def raised(fn) -> BaseException:  # type: ignore[no-untyped-def]
    try:
        fn()
    except BaseException as e:
        return e
    raise AssertionError("no error was raised")


def test_library_errors_become_plain_reasons(tmp_path: Path) -> None:
    junk = tmp_path / "secret folder" / "scan.png"
    junk.parent.mkdir()
    junk.write_bytes(b"\x00garbage" * 20)
    pil = raised(lambda: Image.open(junk).load())
    assert str(junk) in str(pil)  # the library names the server path...
    pdf = raised(lambda: pdfium.PdfDocument(b"%PDF-1.7\n garbage"))
    qpdf = raised(lambda: pikepdf.open(io.BytesIO(b"%PDF-1.7\n garbage")))
    db = raised(lambda: create_engine(f"sqlite:///{tmp_path}/no/such/dir/x.db").connect().execute(text("select 1")))
    full = OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "failed"))
    reasons = {
        "image": plain_reason(pil), "pdfium": plain_reason(pdf), "qpdf": plain_reason(qpdf),
        "database": plain_reason(db), "disk": plain_reason(full), "memory": plain_reason(MemoryError()),
        "bug": plain_reason(KeyError("segments"), of_bytes=False),
    }
    for what, reason in reasons.items():  # ...the reason never does, nor the library's words
        assert not RAW.search(reason) and str(tmp_path) not in reason, (what, reason)
    assert "image" in reasons["image"] and "new copy" in reasons["image"]
    assert "PDF" in reasons["pdfium"] and "PDF" in reasons["qpdf"]
    assert "database" in reasons["database"] and "disk" in reasons["disk"] and "full" in reasons["disk"]
    assert "COMPLIANCE_MAX_READER_MB" in reasons["memory"]
    assert "IT staff" in reasons["bug"]
    kinds = [reasons[k] for k in ("image", "pdfium", "database", "disk", "memory", "bug")]
    assert len(set(kinds)) == len(kinds)  # each says what happened, not one catch-all


@pytest.mark.parametrize("data", [
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] "
    b"/Count 1 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",  # its only page object is missing
    b"II*\x00\x08\x00\x00\x00\x01\x00\x00\x01\x03\x00\x01\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00",  # no height
])
def test_refused_files_say_why_without_library_text(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / ("x.pdf" if data.startswith(b"%PDF") else "x.tif")
    path.write_bytes(data)
    with pytest.raises(RejectedFile) as e:
        check_file(path, Limits())
    assert not RAW.search(str(e.value)) and str(tmp_path) not in str(e.value), str(e.value)
    assert "new copy" in str(e.value) or "no pages" in str(e.value)


def test_budget_reasons_name_the_setting() -> None:
    from extractors.budget import OverTime

    reason = plain_reason(OverTime("page time limit"), Budget(page_seconds=60, file_seconds=600))
    assert "COMPLIANCE_MAX_PAGE_SECONDS" in reason and "1 minute" not in reason and "60 seconds" in reason
