"""Build the default document templates: application.docx, agreement.docx, notice.docx.

    .venv/bin/python knowledge/templates/build_templates.py [OUT_DIR]

The .docx files are the data the renderer (handlers/office/documents.py) loads; this script only
regenerates the built-in defaults and OVERWRITES them. A center that uses its own letterhead
edits the .docx in Word instead (placeholders: docs/documents.md) and does not run this.

Placeholders are jinja tags rendered by docxtpl: `{{ applicant.name }}` in text, and
paragraph tags such as `{%p if agreement.has_amount %}` … `{%p endif %}` on lines of their own
(the whole paragraph holding a `{%p … %}` tag is removed when rendered).
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx.document import Document as DocxDocument

from knowledge.templates.build_enforce import confirmation, review
from knowledge.templates.docx_parts import (
    BLANK,
    SIGN_DATE,
    agreed,
    amount,
    case_document,
    heading,
    new_document,
    only_if,
    para,
    party,
    salutation,
    sign_off,
    signed,
    tag,
    title,
)

HERE = Path(__file__).parent


def application() -> DocxDocument:
    doc = case_document("调解申请书")
    heading(doc, "请求事项")
    para(doc, "争议类别：{{ case.categories }}", indent=True)
    para(doc, "{{ case.claims }}", indent=True)
    with only_if(doc, "case.has_amount"):
        para(doc, "请求金额：" + amount("case"), indent=True)
    heading(doc, "事实和理由")
    para(
        doc,
        "用工起止时间：{{ case.employment }}；工作地点：{{ case.work_place }}；"
        "涉及劳动者人数：{{ case.workers_count }}人。",
        indent=True,
    )
    para(doc, "{{ case.facts }}", indent=True)
    heading(doc, "证据清单")
    tag(doc, "{%p for item in evidence %}")
    para(doc, "{{ loop.index }}. {{ item }}", indent=True)
    tag(doc, "{%p else %}")
    para(doc, "（申请时未提交证据材料）", indent=True)
    tag(doc, "{%p endfor %}")
    salutation(doc, "{{ center.name }}", indent=True)
    sign_off(doc, "申请人（签名或者盖章）：" + BLANK, "申请日期：{{ case.submitted_date }}")
    return doc


def agreement() -> DocxDocument:
    doc = case_document("调解协议书")
    para(doc, "调解组织：{{ center.name }}　调解员：{{ mediator.name }}")
    heading(doc, "争议事项")
    para(doc, "{{ case.categories }}。{{ case.claims }}", indent=True)
    heading(doc, "协议内容")
    para(doc, "双方当事人在{{ center.name }}主持下，经调解，自愿达成如下协议：", indent=True)
    tag(doc, "{%p if agreement.has_amount %}")
    para(
        doc,
        "一、{{ employer.name }}于{{ agreement.due_date }}前向{{ worker.name }}支付"
        + amount("agreement")
        + "。",
        indent=True,
    )
    para(doc, "二、支付方式：{{ agreement.terms }}", indent=True)
    tag(doc, "{%p else %}")
    para(doc, "一、{{ agreement.terms }}", indent=True)
    para(doc, "二、履行期限：{{ agreement.due_date }}前。", indent=True)
    tag(doc, "{%p endif %}")
    para(doc, "三、其他约定：" + BLANK * 2, indent=True)
    para(
        doc,
        "本协议书经双方当事人签名或者盖章，经调解员签名并加盖调解组织印章后生效，"
        "对双方当事人具有约束力，当事人应当履行（《中华人民共和国劳动争议调解仲裁法》"
        "第十四条）。",
        indent=True,
    )
    para(
        doc,
        "达成调解协议后，一方当事人在协议约定期限内不履行调解协议的，另一方当事人"
        "可以依法申请仲裁（同法第十五条）。",
        indent=True,
    )
    para(doc, "本协议书一式三份，双方当事人各执一份，调解组织留存一份。", indent=True)
    signed(
        doc,
        "申请人（签名或者盖章）：",
        "被申请人（签名或者盖章）：",
        "调解员（签名）：",
        "调解组织（印章）：",
    )
    sign_off(doc, "{{ center.name }}", "{{ agreement.date }}")
    return doc


def notice() -> DocxDocument:
    doc = new_document()
    title(doc, "履行告知书")
    para(doc, "{{ worker.name }}、{{ employer.name }}：")
    para(
        doc,
        "双方于{{ agreement.date }}在{{ center.name }}主持下就劳动争议达成调解协议"
        "（案件编号{{ case.number }}）。现将履行事项和有关权利告知如下。本告知书所列"
        "事项摘自调解协议书；如有不一致，以双方签名或者盖章的调解协议书为准。",
        indent=True,
    )
    heading(doc, "一、履行事项")
    tag(doc, "{%p if agreement.has_amount %}")
    para(
        doc,
        "{{ employer.name }}（用人单位）：应于{{ agreement.due_date }}前向"
        "{{ worker.name }}支付" + amount("agreement") + "。支付方式："
        "{% if agreement.has_terms %}{{ agreement.terms }}{% else %}按调解协议书约定{% endif %}。",
        indent=True,
    )
    tag(doc, "{%p else %}")
    para(
        doc,
        "{{ employer.name }}（用人单位）：应于{{ agreement.due_date }}前履行调解协议约定的义务："
        "{% if agreement.has_terms %}{{ agreement.terms }}{% else %}见调解协议书{% endif %}。",
        indent=True,
    )
    tag(doc, "{%p endif %}")
    para(
        doc,
        "{{ worker.name }}（劳动者）：按调解协议书的约定履行本方事项（如有）；收到款项后"
        "请保留凭证。",
        indent=True,
    )
    para(doc, "履行期限届满后，本中心将回访了解履行情况。", indent=True)
    heading(doc, "二、协议未按期履行时劳动者可以采取的途径")
    para(
        doc,
        "（一）申请仲裁。一方当事人在协议约定期限内不履行调解协议的，另一方当事人可以"
        "依法向劳动人事争议仲裁委员会申请仲裁（《中华人民共和国劳动争议调解仲裁法》"
        "第十五条）。劳动争议申请仲裁的时效期间为一年（同法第二十七条），为稳妥起见，"
        "请不晚于{{ deadlines.limitation_by }}提出申请。受理机构：{{ arbitration.commission }}"
        "{% if arbitration.address %}（地址：{{ arbitration.address }}）{% endif %}。"
        "劳动争议仲裁不收费（同法第五十三条）。",
        indent=True,
    )
    para(
        doc,
        "（二）申请支付令。调解协议涉及支付拖欠劳动报酬、工伤医疗费、经济补偿或者赔偿金，"
        "用人单位在协议约定期限内不履行的，劳动者可以持调解协议书依法向人民法院申请支付令"
        "（同法第十六条）。",
        indent=True,
    )
    heading(doc, "三、调解协议的仲裁审查和司法确认（须双方共同申请）")
    para(
        doc,
        "以下期限自调解协议生效之日起计算。调解协议自双方当事人签名或者盖章、调解员签名"
        "并加盖调解组织印章后生效；下列日期按协议于{{ agreement.date }}生效计算，如实际生效"
        "日期不同，请相应调整。",
        indent=True,
    )
    para(
        doc,
        "（一）仲裁审查。双方当事人可以自调解协议生效之日起十五日内，即最迟于"
        "{{ deadlines.review_by }}，共同向有管辖权的劳动人事争议仲裁委员会提出仲裁审查申请"
        "（《劳动人事争议仲裁办案规则》第七十四条）。仲裁委员会据此制作的调解书发生法律效力后，"
        "一方当事人逾期不履行的，另一方当事人可以依法向人民法院申请执行（《中华人民共和国"
        "劳动争议调解仲裁法》第五十一条）。",
        indent=True,
    )
    para(
        doc,
        "（二）司法确认。双方当事人也可以自调解协议生效之日起三十日内，即最迟于"
        "{{ deadlines.confirm_by }}，依照《中华人民共和国民事诉讼法》关于确认调解协议案件的"
        "规定，共同向有管辖权的人民法院申请司法确认。人民法院裁定调解协议有效后，一方当事人"
        "拒绝履行或者未全部履行的，对方当事人可以向人民法院申请执行。",
        indent=True,
    )
    para(
        doc,
        "如有疑问，请联系{{ center.name }}"
        "{% if center.phone %}（电话：{{ center.phone }}）{% endif %}。",
        indent=True,
    )
    sign_off(doc, "{{ center.name }}", "{{ generated_date }}")
    para(doc, "当事人签收：" + BLANK + "　" + SIGN_DATE)
    return doc


def report() -> DocxDocument:
    """The result summary a delegating court needs (委托调解结果报告)."""
    doc = new_document()
    title(doc, "委托调解结果报告")
    para(doc, "{{ court.name }}：")
    para(
        doc,
        "贵院委托调解的案件（贵院案号：{{ court.ref }}），本中心于{{ case.submitted_date }}收案，"
        "于{{ outcome.accepted_date }}受理，现将调解结果报告如下。",
        indent=True,
    )
    party(doc, "申请人", "applicant")
    party(doc, "被申请人", "respondent")
    heading(doc, "争议事项")
    para(doc, "争议类别：{{ case.categories }}", indent=True)
    para(doc, "{{ case.claims }}", indent=True)
    heading(doc, "调解结果")
    para(doc, "{{ outcome.label }}（{{ outcome.date }}）", indent=True)
    agreed(
        doc,
        "协议金额：" + amount("agreement") + "，履行期限：{{ agreement.due_date }}。",
        "协议内容：{{ agreement.terms }}。",
    )
    para(doc, "调解员：{{ mediator.name }}", indent=True)
    para(doc, "特此报告。", indent=True)
    sign_off(doc, "{{ center.name }}（盖章）", "{{ generated_date }}")
    return doc


BUILDERS = {
    "application": application,
    "agreement": agreement,
    "notice": notice,
    "report": report,
    "review": review,
    "confirmation": confirmation,
}


def main(out_dir: Path = HERE) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, build in BUILDERS.items():
        path = out_dir / f"{name}.docx"
        build().save(str(path))
        print(f"wrote {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
