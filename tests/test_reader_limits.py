"""The page readers on hostile and damaged files: budgets per file, readers that die, PDFs that viewers open
although their structure is broken, and no process or temporary file left behind by a killed run.

Every file is made here at test time (reportlab, Pillow, pikepdf, raw bytes)."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from extractors import pagetext
from extractors.filetypes import PDF, Limits, RejectedFile, check_file
from extractors.pagetext import page_pool, read_files
from flows.ingest import ingest_folder
from flows.stages import IngestOptions
from storage import repository as repo
from storage.db import database

REPO = Path(__file__).resolve().parents[1]
WORDS = "Certificate of liability insurance issued to the Westside Youth Soccer League for the fall season"


# ------------------------------------------------------------------ files made at test time


def text_pdf(path: Path, text: str = WORDS) -> Path:
    c = canvas.Canvas(str(path), pagesize=(612, 792))
    c.setFont("Helvetica", 12)
    for i in range(6):
        c.drawString(72, 700 - 20 * i, text)
    c.showPage()
    c.save()
    return path


def scan_pdf(path: Path, pages: int) -> Path:
    """An image-only PDF (a scan): every page must be rendered and OCR'd."""
    img = Image.new("L", (1275, 1650), 255)
    draw = ImageDraw.Draw(img)
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 28)
    except OSError:
        font = ImageFont.load_default()
    for i in range(30):
        draw.text((100, 100 + 45 * i), f"Line {i} of the scanned certificate of insurance", fill=0, font=font)
    c = canvas.Canvas(str(path), pagesize=(612, 792))
    for _ in range(pages):
        c.drawImage(ImageReader(img), 0, 0, 612, 792)
        c.showPage()
    c.save()
    return path


def noise_pdf(path: Path) -> Path:
    """One scanned page of pure noise: Tesseract works on it for seconds (and tries every turn)."""
    import numpy as np

    noise = Image.fromarray((np.random.default_rng(7).random((3300, 2550)) > 0.5).astype(np.uint8) * 255)
    c = canvas.Canvas(str(path), pagesize=(612, 792))
    c.drawImage(ImageReader(noise), 0, 0, 612, 792)
    c.showPage()
    c.save()
    return path


def huge_page_pdf(path: Path) -> Path:
    c = canvas.Canvas(str(path), pagesize=(4200, 4200))
    c.drawString(100, 100, "one word on a page of 58 by 58 inches")
    c.showPage()
    c.save()
    return path


def many_operators_pdf(path: Path, operators: int) -> Path:
    """One letter page whose content stream holds `operators` text-showing operators (small when
    compressed, gigabytes to parse when there are millions)."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 612, 792],
                              Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)))
    pdf.pages.append(pikepdf.Page(page))
    ops = b"BT /F1 6 Tf " + b"".join(b"1 0 0 1 %d %d Tm (ab) Tj\n" % (i % 600, (i // 600) % 780)
                                      for i in range(operators)) + b"ET"
    pdf.pages[0].obj.Contents = pdf.make_stream(ops)
    pdf.save(path)
    return path


def wrong_xref_pdf(path: Path) -> Path:
    """A PDF with a cross-reference stream whose offset (startxref) is wrong: pdfium opens it, pdfminer
    finds no catalog ("No /Root object")."""
    good = text_pdf(path.with_suffix(".plain.pdf"))
    out = io.BytesIO()
    with pikepdf.open(good) as pdf:
        pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    good.unlink()
    data = out.getvalue()
    m = re.search(rb"startxref\s+(\d+)", data)
    assert m
    path.write_bytes(data[: m.start()] + b"startxref\n%d" % (int(m.group(1)) + 13) + data[m.end():])
    return path


def ingest(folder: Path, tmp_path: Path, workers: int | None = 2) -> dict[str, tuple[str, str | None]]:
    db_url = f"sqlite:///{tmp_path / 'c.db'}"
    ingest_folder(folder, IngestOptions(keep=True, workers=workers), db_url, use_prefect=False)
    with database(db_url).session() as s:
        return {d.relative_path: (d.status, d.reason) for d in repo.all_documents(s)}


def page_text(tmp_path: Path, name: str) -> str:
    with database(f"sqlite:///{tmp_path / 'c.db'}").session() as s:
        doc = next(d for d in repo.all_documents(s) if d.relative_path == name)
        return " ".join(p.text for p in repo.cached_pages(s, doc.sha256) or [])


# ------------------------------------------------------------------ budgets


def test_one_huge_page_is_refused_at_once_with_the_memory_budget(tmp_path: Path) -> None:
    folder = tmp_path / "w"
    folder.mkdir()
    huge_page_pdf(folder / "poster.pdf")
    text_pdf(folder / "letter.pdf")
    started = time.monotonic()
    got = ingest(folder, tmp_path)
    assert time.monotonic() - started < 30  # rendering it at 300 dpi took 105 s and 3.1 GB
    status, reason = got["poster.pdf"]
    assert status == "rejected"
    assert "memory" in reason and "raise COMPLIANCE_MAX_READER_MB to read it" in reason
    assert got["letter.pdf"][0] == "processed"


def test_a_scan_over_the_time_budget_is_refused_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPLIANCE_MAX_FILE_SECONDS", "2")
    folder = tmp_path / "w"
    folder.mkdir()
    scan_pdf(folder / "long scan.pdf", 12)
    text_pdf(folder / "letter.pdf")
    started = time.monotonic()
    got = ingest(folder, tmp_path)
    assert time.monotonic() - started < 40  # 12 pages of OCR take far longer on two cores
    status, reason = got["long scan.pdf"]
    assert status == "rejected"
    assert reason == ("the file takes more than 2 seconds to read: over the limit; "
                      "raise COMPLIANCE_MAX_FILE_SECONDS to read it")
    assert got["letter.pdf"][0] == "processed" and "Westside" in page_text(tmp_path, "letter.pdf")


def test_drawing_instructions_over_the_budget_are_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPLIANCE_MAX_CONTENT_MB", "0.5")
    path = many_operators_pdf(tmp_path / "ops.pdf", 40_000)  # 1 MB of operators, 90 KB on disk
    started = time.monotonic()
    [(_, pages, reason)] = list(read_files([(path, PDF)], workers=2))
    assert time.monotonic() - started < 3 and pages is None
    assert reason and "drawing instructions" in reason and "COMPLIANCE_MAX_CONTENT_MB" in reason


def test_a_reader_out_of_memory_gives_the_reason_and_keeps_reading(tmp_path: Path) -> None:
    """The memory limit of a reader process (RLIMIT_AS) stops the file that needs more; the same readers
    then read the next files. Run from a fresh process as the CLI is: readers forked from a test process
    that has grown for an hour inherit its freed heap, which RLIMIT_AS already counts as theirs."""
    heavy = many_operators_pdf(tmp_path / "heavy.pdf", 50_000)  # pdfminer needs ~250 MB to parse it
    letter = text_pdf(tmp_path / "letter.pdf")
    following = text_pdf(tmp_path / "next.pdf")
    script = textwrap.dedent(f"""
        from pathlib import Path
        from extractors import pagetext
        from extractors.filetypes import PDF
        from extractors.pagetext import page_pool, read_files
        out = {{i: (pages, reason) for i, pages, reason in
               read_files([(Path({str(heavy)!r}), PDF), (Path({str(letter)!r}), PDF)], workers=2)}}
        assert out[0][0] is None, "the heavy file was read"
        assert out[0][1] == ("the file needs more than 120 MB of memory to read: over the limit; "
                             "raise COMPLIANCE_MAX_READER_MB to read it"), out[0][1]
        assert out[1][1] is None and "Westside" in out[1][0][0].text.text
        pool = page_pool(2)
        readers = pagetext._pool_pids(pool)
        [(_, pages, reason)] = list(read_files([(Path({str(following)!r}), PDF)], workers=2))
        assert reason is None and pages and page_pool(2) is pool and pagetext._pool_pids(pool) == readers
        print("ok")
    """)
    env = {**os.environ, "COMPLIANCE_MAX_READER_MB": "120", "COMPLIANCE_MAX_CONTENT_MB": "100",
           "PYTHONPATH": str(Path(__file__).resolve().parents[1])}  # past the estimate: the limit must hold
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-3000:]


def test_a_reader_that_dies_costs_only_its_own_file(tmp_path: Path) -> None:
    """A reader killed in the middle of a page (as the kernel kills a process out of memory): that file
    is refused with a plain reason, the pool is replaced, and the other files are read."""
    scan = noise_pdf(tmp_path / "scan.pdf")  # its page is read for seconds: the kill lands inside it
    letters = [text_pdf(tmp_path / f"letter{i}.pdf") for i in range(3)]
    owner = os.getpid()
    killed: list[int] = []

    def kill_the_scans_reader() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not killed:
            readers = pagetext._pool_pids(page_pool(2))
            for pid, token, age in pagetext._markers(owner):
                if pid in readers and token.split(":")[1] == "0" and age > 0.05:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                    return
            time.sleep(0.05)

    threading.Thread(target=kill_the_scans_reader, daemon=True).start()
    out = {i: (pages, reason) for i, pages, reason in read_files([(scan, PDF)] + [(p, PDF) for p in letters], 2)}
    assert killed
    assert out[0][0] is None and "the page reader stopped while reading this file" in (out[0][1] or "")
    assert "Error" not in (out[0][1] or "")
    for i in (1, 2, 3):
        assert out[i][1] is None and "Westside" in out[i][0][0].text.text
    [(_, pages, reason)] = list(read_files([(letters[0], PDF)], workers=2))  # the new pool works
    assert reason is None and pages


def test_pages_of_files_already_read_are_kept_when_the_run_stops(tmp_path: Path) -> None:
    """Each file's pages are committed as soon as it is read: a run stopped later does not lose them."""
    from flows import stages

    folder = tmp_path / "w"
    folder.mkdir()
    text_pdf(folder / "a.pdf")
    text_pdf(folder / "b.pdf", "A second letter from the Westside Youth Soccer League about the fall season")
    db_url = f"sqlite:///{tmp_path / 'c.db'}"
    opts = IngestOptions(keep=True, workers=2)
    received = stages.receive(db_url, folder, stages.discover(folder), opts)

    def stopped_after_one(todo):  # type: ignore[no-untyped-def]
        for n, item in enumerate(stages.local_reader(2)(todo)):
            if n == 1:
                raise KeyboardInterrupt  # the run is stopped while the second file is read
            yield item

    with pytest.raises(KeyboardInterrupt):
        stages.read_text(db_url, received, opts, reader=stopped_after_one)
    with database(db_url).session() as s:
        cached = repo.cached_page_counts(s, [r.sha256 for r in received if r.sha256])
    assert len(cached) == 1


# ------------------------------------------------------------------ tolerant opening


def test_a_pdf_with_wrong_cross_reference_offsets_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "w"
    folder.mkdir()
    path = wrong_xref_pdf(folder / "scan key.pdf")
    before = path.read_bytes()
    assert check_file(path, Limits())[1] == 1
    got = ingest(folder, tmp_path)
    assert got["scan key.pdf"][0] == "processed", got
    assert "Westside Youth Soccer League" in page_text(tmp_path, "scan key.pdf")
    assert path.read_bytes() == before  # read from a repaired copy in memory: the original is never altered


def test_a_pdf_with_bytes_after_its_end_of_file_marker_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "w"
    folder.mkdir()
    data = text_pdf(tmp_path / "plain.pdf").read_bytes()
    (folder / "padded.pdf").write_bytes(data + b"\x00gateway padding\r\n" * 400)
    assert check_file(folder / "padded.pdf", Limits())[1] == 1
    got = ingest(folder, tmp_path)
    assert got["padded.pdf"][0] == "processed", got
    assert "Westside" in page_text(tmp_path, "padded.pdf")


def test_a_page_whose_drawing_instructions_pdfminer_cannot_parse_is_read_as_drawn(tmp_path: Path) -> None:
    """A page with a damaged content stream: pdfminer gives up on the whole page, pdfium draws what it can (as
    viewers do), so the page is read by OCR of the drawing instead of the file being refused."""
    folder = tmp_path / "w"
    folder.mkdir()
    with pikepdf.open(text_pdf(tmp_path / "plain.pdf")) as pdf:
        page = pdf.pages[0].obj
        good = page.Contents if isinstance(page.Contents, pikepdf.Stream) else page.Contents[0]
        broken = pdf.make_stream(b"\x00\x07 not ascii85 ~>")
        broken.Filter = pikepdf.Name.ASCII85Decode
        page.Contents = pikepdf.Array([good, broken])
        pdf.save(folder / "damaged stream.pdf")
    got = ingest(folder, tmp_path)
    assert got["damaged stream.pdf"][0] == "processed", got
    assert "Westside" in page_text(tmp_path, "damaged stream.pdf")


def test_a_truly_truncated_pdf_is_still_refused(tmp_path: Path) -> None:
    data = text_pdf(tmp_path / "plain.pdf").read_bytes()
    no_trailer = tmp_path / "no trailer.pdf"  # cut before its cross-reference table: pdfium shows what is left
    no_trailer.write_bytes(data[: data.rindex(b"xref")])
    cut_update = tmp_path / "cut update.pdf"  # an update appended after %%EOF, cut inside its objects
    cut_update.write_bytes(data + b"\n7 0 obj\n<< /Type /Annot >>\nendobj\n8 0 obj\n<< /Length 900 >>\nstream\n" +
                           b"x" * 4000)
    half = tmp_path / "half.pdf"  # nothing qpdf can rebuild either
    half.write_bytes(data[: len(data) // 2])
    for path in (no_trailer, cut_update):
        with pytest.raises(RejectedFile, match="truncated"):
            check_file(path, Limits())
    with pytest.raises(RejectedFile, match="cannot be opened, even after repair") as e:
        check_file(half, Limits())
    assert "PDFium" not in str(e.value)


# ------------------------------------------------------------------ clean exits


def _gone(pids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not [p for p in pids if pagetext._running(p)]:
            return True
        time.sleep(0.1)
    return False


def test_readers_and_their_children_die_when_the_parent_is_killed(tmp_path: Path) -> None:
    parent = textwrap.dedent("""
        import functools, subprocess, sys, time
        from extractors import pagetext

        def job():
            child = subprocess.Popen(["sleep", "120"], preexec_fn=pagetext.die_with_parent)
            return child.pid

        pool = pagetext.page_pool(2)
        children = [pool.submit(functools.partial(job)).result() for _ in range(2)]
        print(" ".join(map(str, [*pagetext._pool_pids(pool), *children])), flush=True)
        time.sleep(120)
    """)
    proc = subprocess.Popen([sys.executable, "-c", parent], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        pids = [int(p) for p in (proc.stdout.readline() if proc.stdout else "").split()]
        assert len(pids) == 4 and all(pagetext._pid_alive(p) for p in pids)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert _gone(pids, 5), [p for p in pids if pagetext._pid_alive(p)]
    finally:
        proc.kill()


def test_tesseract_runs_die_with_their_reader(tmp_path: Path) -> None:
    """A reader killed in the middle of OCR takes its Tesseract run with it (parent-death signal)."""
    parent = textwrap.dedent("""
        import functools, time
        import numpy as np
        from PIL import Image
        from extractors import pagetext

        noise = Image.fromarray((np.random.default_rng(1).random((3000, 3000)) > 0.5).astype(np.uint8) * 255)
        pool = pagetext.page_pool(2)
        fut = pool.submit(functools.partial(pagetext.run_tesseract, noise, ["--psm", "3"]))
        time.sleep(0.5)
        print(" ".join(map(str, pagetext._pool_pids(pool))), flush=True)
        time.sleep(120)
    """)
    proc = subprocess.Popen([sys.executable, "-c", parent], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    readers: list[int] = []
    try:
        readers = [int(p) for p in (proc.stdout.readline() if proc.stdout else "").split()]
        deadline, ocr = time.monotonic() + 20, []
        while not ocr and time.monotonic() < deadline:
            ocr = [int(p) for r in readers for p in subprocess.run(["pgrep", "-P", str(r), "tesseract"],
                                                                  capture_output=True, text=True).stdout.split()]
            time.sleep(0.05)
        assert ocr, "no Tesseract run started"
        reader = next(r for r in readers if ocr[0] in [int(p) for p in subprocess.run(
            ["pgrep", "-P", str(r)], capture_output=True, text=True).stdout.split()])
        os.kill(reader, signal.SIGKILL)
        assert _gone(ocr, 2)  # Tesseract alone would have gone on for seconds
    finally:
        proc.kill()
        proc.wait()
        pagetext.remove_stale_temp_files(min_age=0, force=True, pids=set(readers))  # its page image


def test_prefects_temporary_server_dies_with_the_command(tmp_path: Path) -> None:
    parent = textwrap.dedent("""
        import time
        import flows
        from prefect.server.api.server import SubprocessASGIServer

        flows.start_temporary_server()
        print(SubprocessASGIServer().server_process.pid, flush=True)
        time.sleep(120)
    """)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    proc = subprocess.Popen([sys.executable, "-c", parent], stdout=subprocess.PIPE, text=True,
                            env={**env, "PYTHONPATH": str(REPO), "PREFECT_HOME": str(tmp_path / "prefect")})
    try:
        server = int(proc.stdout.readline() if proc.stdout else "0")
        assert server and pagetext._pid_alive(server)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert _gone([server], 5)
    finally:
        proc.kill()


def test_page_images_left_by_a_killed_run_are_removed_at_start_up(tmp_path: Path) -> None:
    folder = pagetext._TMP_DIR or "/tmp"
    dead = subprocess.Popen(["true"])
    dead.wait()
    old = time.time() - 3600
    stale = Path(folder, f"compliance-{dead.pid}-ocr-test{os.getpid()}.pgm")
    fresh = Path(folder, f"compliance-{dead.pid}-ocr-fresh{os.getpid()}.pgm")  # may be another container's run
    alive = Path(folder, f"compliance-{os.getpid()}-ocr-live.pgm")  # this run's own
    for p in (stale, fresh, alive):
        p.write_bytes(b"P5 1 1 255 \x00")
    os.utime(stale, (old, old))
    os.utime(alive, (old, old))
    try:
        subprocess.run([sys.executable, "-c", "from extractors import pagetext; pagetext.page_pool(2)"],
                       check=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
        assert not stale.exists()
        assert fresh.exists() and alive.exists()
    finally:
        for p in (stale, fresh, alive):
            p.unlink(missing_ok=True)


def _stuck_in_a_library(seconds: float) -> None:
    """A page job that the alarm cannot reach, as when a library's C code runs for minutes."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    time.sleep(seconds)


def test_a_page_stuck_past_its_time_is_stopped_by_killing_its_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    import functools

    from extractors.budget import Budget

    monkeypatch.setattr(pagetext, "HARD_STOP_GRACE", 1.0)
    files = {0: pagetext._FileState([functools.partial(_stuck_in_a_library, 60)]),
             1: pagetext._FileState([functools.partial(sum, [1, 2]), functools.partial(sum, [3, 4])])}
    started = time.monotonic()
    out = {i: (pages, reason) for i, pages, reason in
           pagetext._read_on_pool(files, 2, Budget(page_seconds=1, file_seconds=60), None)}
    assert time.monotonic() - started < 15
    assert out[0] == (None, "a page took more than 1 second to read: over the limit; "
                            "raise COMPLIANCE_MAX_PAGE_SECONDS to read it")
    assert out[1] == ([3, 7], None)


def test_reasons_are_plain_words_never_a_librarys_message(tmp_path: Path) -> None:
    broken = tmp_path / "photo.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(2000))  # a JPEG's first bytes, then noise
    [(_, pages, reason)] = list(read_files([(broken, "image/jpeg")], workers=2))
    assert pages is None and reason
    assert "ask the sender for a new copy" in reason
    assert str(tmp_path) not in reason and "cannot identify" not in reason and "Error" not in reason


def _dies() -> int:
    """A job whose process is killed under it (as the kernel does to a process out of memory)."""
    os.kill(os.getpid(), signal.SIGKILL)
    return 0


def _slow_square(n: int) -> int:
    time.sleep(0.2)
    return n * n


def test_reading_documents_goes_on_when_a_reader_dies() -> None:
    """The documents stage shares the readers: a job that kills its reader is reported in plain words; the
    jobs in flight with it are sent again to a new pool and every other result comes back in order."""
    import functools

    from flows.stages import run_jobs_ahead

    jobs = [functools.partial(_slow_square, n) for n in range(6)]
    jobs.insert(2, functools.partial(_dies))
    out = list(run_jobs_ahead(iter(jobs), workers=2))
    assert [r for r, _ in out] == [0, 1, None, 4, 9, 16, 25]
    assert out[2][1] and "the page reader stopped" in out[2][1] and "Broken" not in out[2][1]
    assert all(err is None for n, (_, err) in enumerate(out) if n != 2)
