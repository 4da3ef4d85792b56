"""Benchmark: ingestion throughput against the bare Tesseract floor, born-digital throughput, re-ingest,
peak memory, growth with batch size, and Prefect orchestration overhead.

    PYTHONPATH=. .venv/bin/python bench/run.py [--scans 16] [--sizes 100 1000 10000] [--keep DIR]

Builds its inputs from the dev corpus (../shared/corpus/dev/inbox): image-only scans (their pages rendered
at 300 dpi for the floor), and copies of small born-digital PDFs with one changed byte so that every copy
has its own hash. Prints each figure with its ratio to the goal and, as its last line, one JSON object.
Figures are wall-clock on this machine: other work running at the same time makes them noisy.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

INBOX = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev" / "inbox"
SCANS = [  # image-only scanned PDFs of the dev corpus (upright, one page each, and one turned page)
    "CCF11072026_0098.pdf", "AC11-2026-0181/SCAN0139.PDF", "ORG-0037/scan0110.pdf", "20261112152916.pdf",
    "CCF11162026_0119.pdf", "CCF11192026_0067.pdf", "CCF11202026_0092.pdf", "ORG-0025/SCAN0046.PDF",
    "AC11-2026-0191/scan0149.pdf", "AC11-2026-0202/scan0167.pdf", "ORG-0043/CCF11152026_0125.pdf",
    "ORG-0027/CCF11142026_0177.pdf", "AC11-2026-0184/scan0116.pdf", "AC11-2026-0186/SCAN0130.PDF",
    "CCF11172026_0187.pdf", "ORG-0015/doc6620037720261117160642.pdf",
]
DIGITAL = ["COI.pdf", "501c3.pdf", "AC-11.pdf", "Business Registration.pdf", "determination letter.pdf",
           "background_Apodaca_TTJCC.pdf", "Document (2).pdf", "ORG-0020/food_permit_Kennedy_Middle_Dads_Club.pdf"]


def say(line: str) -> None:
    print(line, flush=True)


def fresh_home(root: Path, name: str) -> Path:
    home = root / name
    home.mkdir(parents=True, exist_ok=True)
    os.environ["COMPLIANCE_HOME"] = str(home)
    return home


def ingest(folder: Path, db_url: str, use_prefect: bool = False):  # type: ignore[no-untyped-def]
    from flows.ingest import ingest_folder
    from flows.stages import IngestOptions

    started = time.perf_counter()
    summary = ingest_folder(folder, IngestOptions(keep=True), db_url, use_prefect=use_prefect)
    return summary, time.perf_counter() - started


def floor(images: list[Path], workers: int) -> float:
    """Seconds for the bare `tesseract` command on the page images, same settings, one process per core."""
    def one(img: Path) -> None:
        subprocess.run(["tesseract", str(img), "stdout", "-l", "eng", "--psm", "3", "--dpi", "300",
                        "-c", "tessedit_create_tsv=1"], capture_output=True, check=True)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, images))
    return time.perf_counter() - started


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (Tesseract runs, page readers that exited)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def restart_page_readers() -> None:
    """New page-reader processes, so that they see a changed environment."""
    from extractors import pagetext

    if pagetext._POOL is not None:
        pagetext._POOL[1].shutdown(wait=True)
        pagetext._POOL = None


def scans_folder(root: Path, n: int) -> tuple[Path, list[Path]]:
    """A folder of image-only scans, and their pages rendered at 300 dpi (grayscale PNG) for the floor."""
    import pypdfium2 as pdfium

    folder, pages = root / "scans", root / "scan-pages"
    folder.mkdir(parents=True, exist_ok=True)
    pages.mkdir(parents=True, exist_ok=True)
    images = []
    for i, name in enumerate(SCANS[:n]):
        dest = folder / f"{i:03d}-{Path(name).name}"
        shutil.copy2(INBOX / name, dest)
        doc = pdfium.PdfDocument(str(dest))
        for k in range(len(doc)):
            img = pages / f"{i:03d}-{k}.png"
            doc[k].render(scale=300 / 72, grayscale=True).to_pil().convert("L").save(img)
            images.append(img)
        doc.close()
    return folder, images


def digital_folder(root: Path, n: int) -> Path:
    """n born-digital PDFs: copies of small dev-corpus PDFs, each with a changed byte after %%EOF."""
    folder = root / f"digital-{n}"
    folder.mkdir(parents=True, exist_ok=True)
    sources = [(INBOX / name).read_bytes() for name in DIGITAL]
    for i in range(n):
        sub = folder / f"{i // 1000:03d}"
        sub.mkdir(exist_ok=True)
        (sub / f"doc{i:05d}.pdf").write_bytes(sources[i % len(sources)] + f"\n% copy {i}\n".encode())
    return folder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scans", type=int, default=len(SCANS), help="how many scanned files (one page each)")
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000], help="born-digital batch sizes")
    ap.add_argument("--keep", type=Path, help="work in this folder and leave it (default: a temporary one)")
    args = ap.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="compliance-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(root / "prefect"))
    workers = os.cpu_count() or 1
    fig: dict[str, float | int | str] = {"cores": workers}
    say(f"work folder: {root}  cores: {workers}")

    # --- OCR-bound: the pipeline vs the bare tesseract floor on the same page images
    folder, images = scans_folder(root, args.scans)
    floor(images[:1], 1)  # warm the page cache of tessdata
    restart_page_readers()
    cpu0 = cpu_seconds()
    t_floor = floor(images, workers)
    cpu_floor = cpu_seconds() - cpu0
    fig["floor_pages_per_s"] = round(len(images) / t_floor, 3)
    fresh_home(root, "home-ocr")
    cpu0 = cpu_seconds()
    summary, t_ocr = ingest(folder, f"sqlite:///{root / 'ocr.db'}")
    restart_page_readers()  # the page readers exit, so that their CPU time (and their Tesseracts') is counted
    cpu_ocr = cpu_seconds() - cpu0
    fig["ocr_pages"] = summary.pages_ocr
    fig["ocr_pages_per_s"] = round(summary.pages_ocr / t_ocr, 3)
    fig["ocr_vs_floor"] = round(fig["ocr_pages_per_s"] / fig["floor_pages_per_s"], 3)
    fig["floor_cpu_s_per_page"] = round(cpu_floor / len(images), 3)
    fig["ocr_cpu_s_per_page"] = round(cpu_ocr / summary.pages_ocr, 3)
    fig["ocr_work_vs_floor"] = round(fig["floor_cpu_s_per_page"] / fig["ocr_cpu_s_per_page"], 3)
    say(f"OCR floor: {len(images)} pages in {t_floor:.1f} s = {fig['floor_pages_per_s']} pages/s "
        f"(tesseract, {workers} processes)")
    say(f"OCR pipeline: {summary.pages_ocr} pages in {t_ocr:.1f} s = {fig['ocr_pages_per_s']} pages/s; "
        f"ratio to floor {fig['ocr_vs_floor']} (goal >= 0.9)")
    say(f"CPU work: floor {fig['floor_cpu_s_per_page']} s a page, pipeline {fig['ocr_cpu_s_per_page']} s a page "
        f"(all of it: Tesseract passes, image work, extraction, storage); floor/pipeline "
        f"{fig['ocr_work_vs_floor']}: the part of the gap that is more work rather than waiting")
    # the same without the second reading of doubtful lines (one more Tesseract pass on part of each page):
    # how much of the gap is that extra OCR, and how much everything else
    os.environ["COMPLIANCE_OCR_SECOND_READING"] = "0"
    restart_page_readers()
    fresh_home(root, "home-ocr-single")
    summary1, t_single = ingest(folder, f"sqlite:///{root / 'ocr-single.db'}")
    os.environ.pop("COMPLIANCE_OCR_SECOND_READING")
    restart_page_readers()
    fig["ocr_single_pass_vs_floor"] = round(summary1.pages_ocr / t_single / fig["floor_pages_per_s"], 3)
    say(f"OCR pipeline without second readings: {summary1.pages_ocr} pages in {t_single:.1f} s; "
        f"ratio to floor {fig['ocr_single_pass_vs_floor']}")

    # --- born-digital throughput and growth with batch size
    growth = {}
    for n in sorted(args.sizes):
        d = digital_folder(root, n)
        fresh_home(root, f"home-digital-{n}")
        db = f"sqlite:///{root / f'digital-{n}.db'}"
        summary, t = ingest(d, db)
        growth[n] = t
        fig[f"digital_{n}_s"] = round(t, 2)
        say(f"born-digital: {n} documents in {t:.1f} s = {n / t:.1f} documents/s "
            f"({summary.pages_text_layer} text-layer pages, {summary.pages_ocr} OCR)")
        if n == 1000 or (n == max(args.sizes) and 1000 not in growth):
            again, t2 = ingest(d, db)
            assert again.unchanged == n
            fig["reingest_n"] = n
            fig["reingest_1000_s"] = round(t2 * 1000 / n, 2)
            say(f"re-ingest: {n} seen files in {t2:.2f} s (goal < 10 s for 1,000)")
    mid = 1000 if 1000 in growth else max(growth)
    fig["digital_docs_per_s"] = round(mid / growth[mid], 2)
    say(f"born-digital throughput: {fig['digital_docs_per_s']} documents/s at {mid} (goal >= 20)")
    sizes = sorted(growth)
    for a, b in itertools.pairwise(sizes):
        say(f"growth {a} -> {b}: time x{growth[b] / growth[a]:.2f} for documents x{b / a:.0f} "
            f"(per document {growth[a] / a * 1000:.1f} -> {growth[b] / b * 1000:.1f} ms; linear = equal)")

    # --- orchestration overhead: the same batch with and without the Prefect flow
    d = digital_folder(root, 200)
    fresh_home(root, "home-plain")
    _, t_plain = ingest(d, f"sqlite:///{root / 'plain.db'}", use_prefect=False)
    fresh_home(root, "home-prefect")
    ingest(digital_folder(root, 1), f"sqlite:///{root / 'warm.db'}", use_prefect=True)  # start Prefect's server
    _, t_flow = ingest(d, f"sqlite:///{root / 'flow.db'}", use_prefect=True)
    fig["prefect_overhead_ratio"] = round(t_flow / t_plain, 3)
    say(f"Prefect flow: 200 documents in {t_flow:.1f} s vs {t_plain:.1f} s without; "
        f"ratio {fig['prefect_overhead_ratio']} (goal <= 1.10)")

    # --- peak memory: a 500-page batch in a fresh process (children included: the page readers)
    d = digital_folder(root, 440)  # 440 documents of 1-2 pages: about 500 pages
    code = ("import sys, os, resource; sys.path.insert(0, sys.argv[1]); os.environ['COMPLIANCE_HOME']=sys.argv[3];"
            "from flows.ingest import ingest_folder; from flows.stages import IngestOptions; from pathlib import Path;"
            "s=ingest_folder(Path(sys.argv[2]), IngestOptions(keep=True), 'sqlite:///'+sys.argv[3]+'/m.db',"
            " use_prefect=False); print(s.pages_text_layer + s.pages_ocr);"
            "from extractors import pagetext as p; p._POOL and p._POOL[1].shutdown(wait=True);"
            "r=resource.getrusage; print(r(resource.RUSAGE_SELF).ru_maxrss, r(resource.RUSAGE_CHILDREN).ru_maxrss)")
    mem_home = root / "home-mem"
    mem_home.mkdir(exist_ok=True)
    out = subprocess.run([sys.executable, "-c", code, str(Path(__file__).resolve().parents[1]), str(d), str(mem_home)],
                         capture_output=True, text=True, check=True).stdout.split()
    pages, self_kb, child_kb = int(out[0]), int(out[1]), int(out[2])
    fig["peak_rss_mb"] = round((self_kb + child_kb) / 1024, 1)
    say(f"peak memory, {pages}-page batch: {self_kb / 1024:.0f} MB main process + {child_kb / 1024:.0f} MB "
        f"largest page reader = {fig['peak_rss_mb']} MB")
    fig["bench_max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(fig))


if __name__ == "__main__":
    main()
