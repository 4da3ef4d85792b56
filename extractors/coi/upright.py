"""A page read sideways (every word runs vertically) turned upright before it is read."""

from __future__ import annotations

from PIL import Image

from extractors.coi.geometry import _rows
from extractors.layout import norm_token
from extractors.model import PageText, Word

_TOP_WORDS = {"certificate", "date", "producer", "this", "important", "contact", "insurers"}


_BOTTOM_WORDS = {"form", "holder", "cancellation", "authorized", "representative", "acord"}


def _upright(page: PageText, image: Image.Image | None) -> tuple[PageText, Image.Image | None]:
    """A page whose words all run vertically was read sideways: turn words (and preview) upright."""
    long = [w for w in page.words if len(w.text) >= 4]
    if len(long) < 20 or sum(w.height > 1.5 * (w.x1 - w.x0) for w in long) < 0.7 * len(long):
        return page, image
    W, H = page.width, page.height
    variants = []
    for turn in (90, 270):
        ws = []
        for w in page.words:
            if turn == 90:  # top of the text at the right edge
                ws.append(Word(w.text, w.y0, W - w.x1, w.y1, W - w.x0, w.conf, 0))
            else:
                ws.append(Word(w.text, H - w.y1, w.x0, H - w.y0, w.x1, w.conf, 0))
        top = [norm_token(w.text) for w in ws if w.cy < W * 0.3]
        score = sum(t in _TOP_WORDS for t in top) - sum(t in _BOTTOM_WORDS for t in top)
        variants.append((score, turn, ws))
    score, turn, ws = max(variants, key=lambda v: v[0])
    lines = _rows(ws)
    relined = [Word(w.text, w.x0, w.y0, w.x1, w.y1, w.conf, i) for i, row in enumerate(lines) for w in row]
    new = PageText(
        page.page_no,
        H,
        W,
        page.source,
        relined,
        (page.rotation + turn) % 360,
        page.skew,
        page.dpi,
        page.mean_conf,
    )
    if image is not None:
        image = image.transpose(Image.Transpose.ROTATE_90 if turn == 90 else Image.Transpose.ROTATE_270)
    return new, image
