"""The two joint applications that make an agreement enforceable (seed 002 §16: the center
guides both sides to apply for arbitration review or for judicial confirmation):

- review.docx: 调解协议仲裁审查申请书, to the arbitration commission, within 15 days of the
  agreement taking effect (《劳动人事争议仲裁办案规则》第七十四条);
- confirmation.docx: 司法确认申请书, to the people's court, within 30 days
  (《中华人民共和国民事诉讼法》第二百零五条).

The last dates are computed as in the fulfilment notice: from the day the agreement was
recorded, that day not counted (`deadlines.review_by`, `deadlines.confirm_by`).
"""

from __future__ import annotations

from docx.document import Document as DocxDocument

from knowledge.templates.docx_parts import (
    agreed,
    amount,
    case_document,
    heading,
    or_blank,
    para,
    right,
    salutation,
    signed,
)

EFFECTIVE = (
    "调解协议自双方当事人签名或者盖章、调解员签名并加盖调解组织印章后生效（《中华人民共和国"
    "劳动争议调解仲裁法》第十四条）。本申请书中的日期按协议于{{ agreement.date }}生效计算，"
    "如实际生效日期不同，请相应调整。"
)


def _agreement_facts(doc: DocxDocument) -> None:
    heading(doc, "事实和理由")
    para(
        doc,
        "双方因{{ case.categories }}发生劳动争议，于{{ case.submitted_date }}向{{ center.name }}"
        "申请调解（案号：{{ case.number }}）。经调解员{{ mediator.name }}主持调解，双方自愿"
        "达成调解协议，主要内容如下：",
        indent=True,
    )
    agreed(
        doc,
        f"{{{{ employer.name }}}}向{{{{ worker.name }}}}支付{amount('agreement')}，"
        "于{{ agreement.due_date }}前履行完毕。",
        "{{ agreement.terms }}。",
    )
    para(doc, EFFECTIVE, indent=True)


def _close(doc: DocxDocument, addressee: str) -> None:
    salutation(doc, addressee)
    signed(
        doc, "申请人（劳动者）签名：", "申请人（用人单位）盖章：", "法定代表人或委托代理人签名："
    )
    right(doc, "{{ center.name }} 协助制作　{{ generated_date }}")


def review() -> DocxDocument:
    """The joint application for arbitration review of the agreement (仲裁审查确认)."""
    doc = case_document("调解协议仲裁审查申请书", "申请人（一）", "申请人（二）")
    heading(doc, "申请事项")
    para(
        doc,
        "请求{{ arbitration.commission }}对双方经{{ center.name }}调解达成的调解协议进行审查，"
        "并依法制作调解书。",
        indent=True,
    )
    _agreement_facts(doc)
    heading(doc, "申请期限")
    para(
        doc,
        "经调解组织调解达成调解协议的，双方当事人可以自调解协议生效之日起十五日内，共同向"
        "有管辖权的仲裁委员会提出仲裁审查申请（《劳动人事争议仲裁办案规则》第七十四条）。"
        "本申请最迟应于{{ deadlines.review_by }}提出。",
        indent=True,
    )
    para(
        doc,
        "确认劳动关系的调解协议，仲裁委员会不予受理审查；已经人民法院司法确认的调解协议，"
        "不再审查（《劳动人事争议仲裁办案规则》第七十五条）。",
        indent=True,
    )
    heading(doc, "随附材料")
    para(doc, "1. 调解协议书；", indent=True)
    para(doc, "2. 双方当事人的身份证明、资格证明（如营业执照、授权委托书）；", indent=True)
    para(doc, "3. 与调解协议有关的其他材料；双方的送达地址和联系电话见上。", indent=True)
    para(doc, "仲裁委员会地址：" + or_blank("arbitration.address"))
    _close(doc, "{{ arbitration.commission }}")
    return doc


def confirmation() -> DocxDocument:
    """The joint application to the court for judicial confirmation of the agreement (司法确认)."""
    doc = case_document("司法确认申请书", "申请人（一）", "申请人（二）")
    heading(doc, "请求事项")
    para(
        doc,
        "请求{{ confirmation_court.name }}确认双方经{{ center.name }}调解达成的调解协议有效。",
        indent=True,
    )
    _agreement_facts(doc)
    heading(doc, "申请期限")
    para(
        doc,
        "双方当事人自调解协议生效之日起三十日内，共同向人民法院申请司法确认（《中华人民共和国"
        "民事诉讼法》第二百零五条）。本申请最迟应于{{ deadlines.confirm_by }}提出。人民法院"
        "裁定调解协议有效后，一方当事人拒绝履行或者未全部履行的，对方当事人可以向人民法院"
        "申请执行。",
        indent=True,
    )
    para(doc, "人民法院地址：" + or_blank("confirmation_court.address"))
    _close(doc, "{{ confirmation_court.name }}")
    return doc
