"""The results.json export (format: shared spec 'corpus-and-export.md')."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flows.localtime import district_zone, local_iso
from storage import repository as repo
from storage.db import database


def build_export(db_url: str | None, as_of: date) -> dict[str, Any]:
    """Everything stored, for scripts; times are ISO 8601 in the district's time zone with their offset."""
    zone = district_zone()
    with database(db_url).session() as s:
        documents: list[dict[str, Any]] = []
        for doc in repo.all_documents(s):
            if doc.status in ("processed",) and doc.segments:
                for seg in doc.segments:
                    fields = {f.name: (f.corrected_value if f.corrected_value is not None else f.value)
                              for f in seg.fields}
                    documents.append({
                        "path": doc.relative_path, "status": seg.status, "doc_type": seg.doc_type,
                        "org_id": seg.org_id, "pages": list(seg.pages), "fields": fields,
                        "reason": seg.reason,
                        "evidence": {f.name: {"page": f.page, "bbox": f.bbox, "words": f.words,
                                              "confidence": f.confidence} for f in seg.fields if f.page},
                        "needs_review": list(seg.needs_review),
                        "received_at": local_iso(doc.received_at, zone),
                    })
            else:
                pages = [] if doc.status == "rejected" else list(range(1, max(doc.page_count, 1) + 1))
                documents.append({
                    "path": doc.relative_path, "status": doc.status if doc.status != "received" else "unreadable",
                    "doc_type": None, "org_id": None, "pages": pages, "fields": {}, "reason": doc.reason,
                    "received_at": local_iso(doc.received_at, zone),
                })
        requests = []
        for row in repo.request_rows(s):
            requests.append({
                "request_id": row.request_id, "org_id": row.org_id, "verdict": row.verdict,
                "checked_as_of": row.checked_as_of.isoformat() if row.checked_as_of else None,
                "findings": [
                    {"code": f.code, "severity": f.severity, "subject": f.subject, "document": f.document,
                     "page": f.page, "message": f.message}
                    for f in row.findings
                ],
                "fee": row.fee,
            })
    return {"as_of": as_of.isoformat(), "exported_at": local_iso(datetime.now(UTC), zone), "documents": documents,
            "requests": requests}
