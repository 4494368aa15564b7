"""The pieces the default templates are built from (build_templates.py, build_enforce.py):
an A4 page in 宋体 with the center's name as header, titles, paragraphs, paragraph-level jinja
tags, a party's particulars and signature rows."""

from __future__ import annotations

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.styles.style import CharacterStyle
from docx.text.paragraph import Paragraph
from docx.text.run import Run

BODY_FONT = "宋体"
TITLE_FONT = "黑体"
BLANK = "＿＿＿＿＿＿＿＿"


def _east_asian(run_or_style: Run | CharacterStyle, font: str) -> None:
    """python-docx sets only the Latin font; Chinese text needs w:eastAsia too."""
    element = run_or_style.element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), font)


def new_document() -> DocxDocument:
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
    section.top_margin = section.bottom_margin = Cm(2.5)
    section.left_margin = section.right_margin = Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(12)
    _east_asian(normal, BODY_FONT)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.25
    header = section.header.paragraphs[0]
    header.text = "{{ center.name }}"
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return doc


def title(doc: DocxDocument, text: str, number: bool = True) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(text)
    run.bold = True
    run.font.size = Pt(20)
    run.font.name = TITLE_FONT
    _east_asian(run, TITLE_FONT)
    if number:
        right(doc, "编号：{{ case.number }}")


def para(doc: DocxDocument, text: str, *, bold: bool = False, indent: bool = False) -> Paragraph:
    p = doc.add_paragraph()
    run = p.add_run(text)
    run.bold = bold
    if indent:
        p.paragraph_format.first_line_indent = Pt(24)  # two characters
    return p


def heading(doc: DocxDocument, text: str) -> None:
    para(doc, text, bold=True)


def right(doc: DocxDocument, text: str) -> None:
    doc.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT


def tag(doc: DocxDocument, text: str) -> None:
    """A paragraph-level jinja tag: `{%p if … %}`, `{%p for … %}`, `{%p endif %}`."""
    doc.add_paragraph(text)


def party(doc: DocxDocument, label: str, var: str) -> None:
    """A party's particulars; a worker and an employer are described differently."""
    tag(doc, f"{{%p if {var}.is_worker %}}")
    para(doc, f"{label}：{{{{ {var}.name }}}}（劳动者）", bold=True)
    para(doc, f"身份证号码：{{{{ {var}.id_number }}}}　联系电话：{{{{ {var}.phone }}}}")
    para(doc, f"住址：{{{{ {var}.address }}}}")
    tag(doc, "{%p else %}")
    para(doc, f"{label}：{{{{ {var}.name }}}}（用人单位）", bold=True)
    para(doc, f"统一社会信用代码：{{{{ {var}.uscc }}}}　联系电话：{{{{ {var}.phone }}}}")
    para(doc, f"住所：{{{{ {var}.address }}}}")
    para(doc, f"法定代表人（主要负责人）：{BLANK}")
    tag(doc, "{%p endif %}")


def signatures(doc: DocxDocument, rows: list[tuple[str, str]]) -> None:
    table = doc.add_table(rows=len(rows), cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row, (who, when) in zip(table.rows, rows, strict=True):
        row.height = Cm(1.2)
        row.cells[0].text = who
        row.cells[1].text = when


SIGN_DATE = "日期：　　　　年　　月　　日"
