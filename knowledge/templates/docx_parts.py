"""The pieces the default templates are built from (build_templates.py, build_enforce.py):
an A4 page in 宋体 with the center's name as header, titles, paragraphs, paragraph-level jinja
tags, a party's particulars and signature rows, and the layout the documents share: a case
document's opening (title, number, both parties), paragraphs kept only when a condition
holds, the agreed amount and terms, the salutation, the signature table and the sign-off."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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


def case_document(
    heading_text: str, first: str = "申请人", second: str = "被申请人"
) -> DocxDocument:
    """A new document: its title with the case number, then both parties' particulars."""
    doc = new_document()
    title(doc, heading_text)
    party(doc, first, "applicant")
    party(doc, second, "respondent")
    return doc


@contextmanager
def only_if(doc: DocxDocument, condition: str) -> Iterator[None]:
    """The paragraphs added inside are kept only when `condition` holds when rendered."""
    tag(doc, f"{{%p if {condition} %}}")
    yield
    tag(doc, "{%p endif %}")


def amount(var: str) -> str:
    """An amount in figures and in capitals: "¥12,000.00（大写：人民币壹万贰仟元整）"."""
    return f"{{{{ {var}.amount_figures }}}}（大写：人民币{{{{ {var}.amount_capitals }}}}）"


def or_blank(var: str) -> str:
    """The value when there is one, else a blank line to fill in by hand."""
    return f"{{% if {var} %}}{{{{ {var} }}}}{{% else %}}{BLANK}{{% endif %}}"


def agreed(doc: DocxDocument, amount_text: str, terms_text: str) -> None:
    """The agreed amount (when there is one) and the agreed terms (when any were recorded)."""
    with only_if(doc, "agreement.has_amount"):
        para(doc, amount_text, indent=True)
    with only_if(doc, "agreement.has_terms"):
        para(doc, terms_text, indent=True)


def salutation(doc: DocxDocument, addressee: str, *, indent: bool = False) -> None:
    """ "此致" and whom the document goes to, on the next line."""
    para(doc, "此致", indent=indent)
    para(doc, addressee)


def signed(doc: DocxDocument, *who: str) -> None:
    """A signature table: a row for each signer, with a date to fill in."""
    signatures(doc, [(w, SIGN_DATE) for w in who])


def sign_off(doc: DocxDocument, by: str, when: str) -> None:
    """Who issues the document and when, right-aligned on two lines."""
    right(doc, by)
    right(doc, when)
