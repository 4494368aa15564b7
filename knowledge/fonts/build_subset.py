"""Rebuild knowledge/fonts/MediationSansSC-Regular.otf from a full Noto Sans CJK font.

The subset keeps ASCII, the GB 2312 symbols and its 3,755 level-1 (most common) hanzi, every
character of the zh_CN message catalog, and EXTRA below; it is renamed so it never shadows
an installed Noto Sans CJK. Run after adding chart labels with characters outside that set:

    apt-get install fonts-noto-cjk    # the source font, only to build
    python knowledge/fonts/build_subset.py [/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc]
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FACE_SC = 2  # face index of Noto Sans CJK SC in the collection
OUT = HERE / "MediationSansSC-Regular.otf"
FAMILY = "Mediation Sans SC"
EXTRA = "¥·—–‘’“”…°×÷‰−≤≥％（）：；，。、？！《》【】"


def gb2312(rows: range) -> str:
    chars = []
    for hi in rows:
        for lo in range(0xA1, 0xFF):
            try:
                chars.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(chars)


def characters() -> str:
    catalog = ROOT / "handlers/locale/zh_CN/LC_MESSAGES/messages.po"
    text = "".join(chr(i) for i in range(0x20, 0x7F))
    text += gb2312(range(0xA1, 0xAA)) + gb2312(range(0xB0, 0xD8)) + EXTRA
    text += catalog.read_text(encoding="utf-8")
    return "".join(sorted({c for c in text if c.isprintable()}))


def rename(font: TTFont) -> None:
    """A modified font must not pass for the original (OFL §3; Noto is a trademark)."""
    names = {1: FAMILY, 3: f"{FAMILY} Regular (subset of Noto Sans CJK SC 2.004)", 4: FAMILY}
    names[6] = FAMILY.replace(" ", "") + "-Regular"
    table = font["name"]
    for record in list(table.names):
        if record.nameID in (16, 17, 18, 21, 22):
            table.removeNames(nameID=record.nameID)
    for name_id, value in names.items():
        table.setName(value, name_id, 3, 1, 0x409)
        table.setName(value, name_id, 1, 0, 0)
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [names[6]]
        top = cff.topDictIndex[0]
        top.FullName, top.FamilyName = FAMILY, FAMILY


def main(source: str = SOURCE) -> None:
    options = subset.Options()
    options.font_number = FACE_SC
    options.layout_features = ["kern", "liga", "locl"]
    options.name_IDs = ["*"]
    options.hinting = False  # matplotlib auto-hints anyway
    font = subset.load_font(source, options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters())
    subsetter.subset(font)
    rename(font)
    subset.save_font(font, str(OUT), options)
    print(f"{OUT}: {OUT.stat().st_size:,} bytes, {len(font.getBestCmap()):,} characters")


if __name__ == "__main__":
    main(*sys.argv[1:])
