"""Font discovery: every Latin-capable TrueType/OpenType font installed from Debian packages."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

LOG = logging.getLogger(__name__)
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
# Symbol, icon and math fonts draw no letters (or the wrong ones).
_EXCLUDE = ("symbol", "dingbat", "awesome", "math", "d050000l", "z003", "emoji", "cursor", "fontawesome")


def _renders_latin(path: Path) -> bool:
    try:
        font = ImageFont.truetype(str(path), 32)
        boxes = [font.getbbox(c) for c in "Aa0Zz"]
    except OSError:
        return False
    widths = {b[2] - b[0] for b in boxes}
    return all(b[2] > b[0] and b[3] > b[1] for b in boxes) and len(widths) > 1


@lru_cache(maxsize=1)
def find_fonts(dirs: tuple[Path, ...] = FONT_DIRS) -> tuple[str, ...]:
    """All usable fonts, sorted for reproducibility; falls back to matplotlib's bundled DejaVu."""
    found = sorted(
        str(p)
        for d in dirs
        if d.is_dir()
        for p in d.rglob("*")
        if p.suffix.lower() in (".ttf", ".otf") and not any(k in p.name.lower() for k in _EXCLUDE)
    )
    fonts = tuple(p for p in found if _renders_latin(Path(p)))
    if not fonts:
        import matplotlib

        fallback = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        fonts = tuple(sorted(str(p) for p in fallback.glob("DejaVu*.ttf")))
        LOG.warning("no Debian fonts found; using %d fonts bundled with matplotlib (install fonts-* packages)", len(fonts))
    return fonts


@lru_cache(maxsize=4096)
def load_font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)
