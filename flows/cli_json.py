"""`--json` output of the commands scripts call (status, check, export, notices, sweep) and the JSON Schemas
it keeps to. Only the JSON goes to standard output; every message for people goes to standard error."""

from __future__ import annotations

import json
import sys
from typing import Any

_STR = {"type": "string"}
_STR_OR_NULL = {"type": ["string", "null"]}
_COUNT = {"type": "integer", "minimum": 0}
_DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_DATE_OR_NULL = {"type": ["string", "null"], "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_TIME_OR_NULL = {"type": ["string", "null"], "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$"}


def _object(properties: dict[str, Any], extra: bool = False) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": sorted(properties),
            "additionalProperties": extra}


FINDING = _object({"severity": {"enum": ["block", "warn"]}, "code": _STR, "subject": _STR_OR_NULL,
                   "message": _STR, "document": _STR_OR_NULL})
SCHEMAS: dict[str, dict[str, Any]] = {
    "status": _object({
        "database": _STR,
        "flagged": {"type": "array", "items": _object({
            "request_id": _STR, "first_use": _DATE_OR_NULL, "organization": _STR, "school": _STR,
            "findings": {"type": "array", "items": FINDING}})},
        "needing_a_person": {"type": "array", "items": _object({
            "file": _STR, "pages": {"type": "array", "items": {"type": "integer"}}, "status": _STR,
            "reason": _STR})},
    }),
    "check": _object({"database": _STR, "as_of": _DATE, "checked": _COUNT, "flagged": _COUNT,
                      "compliant": _COUNT, "newly_flagged": {"type": "array", "items": _STR},
                      "newly_compliant": {"type": "array", "items": _STR}}),
    "export": _object({"database": _STR, "as_of": _DATE, "file": _STR, "documents": _COUNT, "requests": _COUNT}),
    "notices": _object({
        "database": _STR,
        "counts": {"type": "array", "items": _object({"kind": _STR, "status": _STR, "count": _COUNT})},
        "notices": {"type": "array", "items": _object({
            "id": _COUNT, "kind": _STR, "recipient": _STR, "request_id": _STR_OR_NULL, "org_id": _STR_OR_NULL,
            "subject": _STR, "status": {"enum": ["pending", "sent", "dry_run", "failed"]},
            "error": _STR_OR_NULL, "created_at": _TIME_OR_NULL, "sent_at": _TIME_OR_NULL})},
    }),
    "sweep": _object({
        "database": _STR, "as_of": _DATE, "checked": _COUNT, "flagged": _COUNT, "newly_flagged": _COUNT,
        "newly_compliant": _COUNT, "expiring_soon": _COUNT, "notices_sent": _COUNT, "notices_dry_run": _COUNT,
        "notices_failed": _COUNT,
        "seconds": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0}},
    }),
}


def emit(data: dict[str, Any]) -> None:
    """Write one JSON document to standard output."""
    sys.stdout.write(json.dumps(data, indent=1, default=str, ensure_ascii=False) + "\n")
    sys.stdout.flush()
