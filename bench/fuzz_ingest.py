"""The ingest fuzz test's generator at scale: ≥ 1,000 damaged, odd and hostile files made from the project's own
samples, through the real `compliance ingest` (a subprocess, as staff run it). Prints the figures: files, how
each ended, statuses, time, any crash or lost file, reasons that are raw exception text.

    PYTHONPATH=. .venv/bin/python bench/fuzz_ingest.py [--files 1000] [--seed 1] [--keep DIR] [--prefect]

The same checks as tests/test_fuzz_ingest.py: exit 0, every file in exactly one place (read and stored, or in
failed/ beside its reason), a status and a specific reason for every document, originals byte-for-byte. As its
last line, one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "samples"))

from fuzz_files import SECRET, make_fuzz_folder, sample_seeds  # noqa: E402

from flows import stages  # noqa: E402
from storage import repository as repo  # noqa: E402
from storage.db import database  # noqa: E402

RAW_EXCEPTION = re.compile(r"(^|[:(—]\s*)[A-Z][A-Za-z]+(Error|Exception|Warning)\b\s*:|Traceback|\(detail:")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=Path, help="work here and leave it (default: a temporary folder, removed)")
    ap.add_argument("--prefect", action="store_true", help="run ingest as a Prefect flow (default: --no-prefect)")
    args = ap.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="compliance-fuzz-"))
    try:
        figures = run(root, args.files, args.seed, args.prefect)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(figures))
    return 0 if figures["ok"] else 1


def run(root: Path, n: int, seed: int, prefect: bool) -> dict:
    home, watch, outside = root / "home", root / "watch", root / "outside"
    home.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    made = make_fuzz_folder(watch, outside, sample_seeds(root / "seeds"), n=n, seed=seed)
    made_s = time.perf_counter() - t0
    env = {**os.environ, "COMPLIANCE_HOME": str(home), "PYTHONPATH": str(REPO), "OMP_THREAD_LIMIT": "1"}
    db = f"sqlite:///{home / 'c.db'}"
    cmd = [sys.executable, "-m", "flows.cli", "ingest", str(watch), "--db", db]
    if not prefect:
        cmd.append("--no-prefect")
    t1 = time.perf_counter()
    result = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True)
    ingest_s = time.perf_counter() - t1
    with database(db).session() as s:
        docs: dict[str, list] = {}
        for d in repo.all_documents(s):
            docs.setdefault(d.relative_path, []).append((d.status, d.reason or "", d.sha256, d.stored_path))

    places: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    mutations: dict[str, Counter[str]] = {}
    problems: list[str] = []
    for m in made:
        entry = os.fsdecode(os.path.join(os.fsencode(watch), m.rel))
        failed = Path(os.fsdecode(os.path.join(os.fsencode(watch / "failed"), m.rel)))
        note = failed.parent / stages.reason_file_name(failed.name)
        rows = docs.get(m.shown, [])
        if len(rows) != 1:
            problems.append(f"{m.shown}: {len(rows)} documents")
            continue
        status, reason, sha, stored = rows[0]
        statuses[status] += 1
        mutations.setdefault(m.how if m.kind == "file" else m.kind, Counter())[status] += 1
        in_folder, in_failed = os.path.lexists(entry), os.path.lexists(failed) and note.is_file()
        read = not in_folder and not in_failed and status in ("processed", "duplicate")
        where = "still in the folder" if in_folder else "failed/ with reason" if in_failed else (
            "read and stored" if read else "LOST")
        places[where] += 1
        if where == "LOST" or in_folder + in_failed + read != 1:
            problems.append(f"{m.shown}: {where} ({status}: {reason})")
        if status != "processed" and len(reason) < 15:
            problems.append(f"{m.shown}: {status} without a specific reason ({reason!r})")
        if stored:
            data = (home / stored).read_bytes()
            if hashlib.sha256(data).hexdigest() != sha or (m.sha256 and sha != m.sha256) or SECRET in data:
                problems.append(f"{m.shown}: stored original differs from the file dropped")
        elif m.kind not in ("file", "empty") and sha:
            problems.append(f"{m.shown}: a {m.kind} was read")
    raw = sorted({r for rows in docs.values() for _, r, _, _ in rows if RAW_EXCEPTION.search(r)})
    reasons = Counter(re.sub(r"'[^']*'|\d+", "…", r) for rows in docs.values() for _, r, _, _ in rows
                      if r)
    crash = result.returncode != 0 or b"Traceback" in result.stderr
    figures = {
        "files": len(made), "exit_code": result.returncode, "crash": crash, "make_seconds": round(made_s, 1),
        "ingest_seconds": round(ingest_s, 1), "files_per_second": round(len(made) / ingest_s, 2),
        "places": dict(places), "statuses": dict(statuses), "problems": len(problems), "raw_reasons": len(raw),
        "ok": not crash and not problems and not raw,
    }
    print(f"files: {len(made)} made in {made_s:.1f} s; ingest {'(Prefect)' if prefect else '(--no-prefect)'}"
          f" {ingest_s:.1f} s ({len(made) / ingest_s:.1f} files/s), exit code {result.returncode}"
          f"{', CRASHED' if crash else ''}")
    print("where each file ended:", dict(places))
    print("statuses:", dict(statuses))
    print("by mutation:")
    for how, c in sorted(mutations.items()):
        print(f"  {how:12s} {dict(c)}")
    print("most frequent reasons:")
    for r, k in reasons.most_common(15):
        print(f"  {k:4d}  {r[:140]}")
    print(f"problems: {len(problems)}", *problems[:20], sep="\n  ")
    print(f"raw exception text in reasons: {len(raw)}", *raw[:10], sep="\n  ")
    if crash:
        print(result.stderr.decode(errors="replace")[-3000:])
    return figures


if __name__ == "__main__":
    sys.exit(main())
