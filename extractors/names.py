"""Name matching as the APS policy describes it (requirements section 3).

Organization names match after case folding, collapsing white space and punctuation, '&' = 'and',
dropping a leading 'The' and legal suffixes, and through DBAs or an 'X dba Y' form. Person names
match regardless of 'Last, First' order and of middle names or initials present on one side only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz.distance import Levenshtein

LEGAL_SUFFIXES = {
    "inc", "incorporated", "llc", "l l c", "corp", "corporation", "co", "company", "ltd", "pc",
    "pllc", "nfp",
}
_DBA = re.compile(r"\b(?:d\s*/?\s*b\s*/?\s*a|doing business as|also known as|aka|a\s*/\s*k\s*/\s*a)\b[.:]?", re.I)


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"['’`]", "", text.lower()).replace("&", " and ")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _without_legal_suffixes(words: list[str]) -> list[str]:
    changed = True
    while changed and words:
        changed = False
        for n in (3, 2, 1):
            if len(words) > n and " ".join(words[-n:]) in LEGAL_SUFFIXES:
                words = words[:-n]
                changed = True
                break
    return words


def org_key(name: str) -> str:
    """The comparable form of an organization name."""
    words = fold(name).split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(_without_legal_suffixes(words))


def has_legal_suffix(name: str) -> bool:
    """'… Movement Co.', '… Music Lessons LLC': a name that ends like a business's."""
    words = fold(name).split()
    return len(_without_legal_suffixes(words)) < len(words)


def dba_parts(name: str) -> list[str]:
    """'X dba Y' -> [whole, X, Y]; a plain name -> [name]."""
    parts = [p.strip(" ,;-") for p in _DBA.split(name) if p.strip(" ,;-")]
    return [name, *parts] if len(parts) > 1 else [name]


def org_names_match(printed: str | None, names: Iterable[str]) -> bool:
    """Does a printed name (which may be 'X dba Y') match any of an organization's names?

    Besides the policy's normalization, a word split by OCR ('Athi etic') or one misread letter in
    a long name is tolerated: such a slip never turns one organization's name into another's."""
    if not printed:
        return False
    keys = {org_key(n).replace(" ", "") for n in names if n}
    keys.discard("")
    for part in dba_parts(printed):
        got = org_key(part).replace(" ", "")
        if got in keys:
            return True
        if len(got) >= 15 and any(Levenshtein.distance(got, k, score_cutoff=1) <= 1 for k in keys):
            return True
    return False


def person_tokens(name: str) -> tuple[str, str, list[str]]:
    """(first, last, middles) from 'First M. Last' or 'Last, First M.'."""
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    name = re.sub(r"(?<=\w)\s*-\s*(?=\w)", "", name)  # 'Garcia-Lopez' is one surname
    if "," in name:
        last, _, rest = name.partition(",")
        parts = fold(rest).split()
        lasts = fold(last).split()
        first = parts[0] if parts else ""
        return first, " ".join(lasts), parts[1:]
    parts = fold(name).split()
    parts = [p for p in parts if p not in {"jr", "sr", "ii", "iii", "mr", "ms", "mrs", "dr"}]
    if not parts:
        return "", "", []
    if len(parts) == 1:
        return "", parts[0], []
    return parts[0], parts[-1], parts[1:-1]


def person_names_match(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    fa, la, ma = person_tokens(a)
    fb, lb, mb = person_tokens(b)
    if not la or la != lb or fa != fb:
        return False
    if ma and mb:  # both give middles: initials must agree
        return all(x[0] == y[0] for x, y in zip(ma, mb, strict=False))
    return True
