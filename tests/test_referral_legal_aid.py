"""Legal aid on the everyday routes it applies to (twenty-seventh pass): 法律援助法第三十一条
lists child and elder support and compensation for injuries in traffic and medical accidents;
第三十二条 frees victims of domestic violence from the means test. The routes say so, with
12348, and cite the articles; a private loan is not on the list and its route does not."""

from __future__ import annotations

import pytest

from tests.kb_asserts import referred


@pytest.mark.parametrize(
    ("question", "route"),
    [
        ("孩子他爸三年没给过抚养费了，我想告他又请不起律师", "family"),
        ("国庆自驾游被大货车撞断了腿，对方不赔，没钱请律师打官司怎么办", "traffic"),
    ],
)
def test_a_claim_the_law_lists_is_told_of_legal_aid(kb, question: str, route: str) -> None:  # type: ignore[no-untyped-def]
    referral = referred(kb, question)
    assert referral.id == route
    text = referral.full_text("zh_CN")
    assert "法律援助" in text and "12348" in text
    assert "《中华人民共和国法律援助法》第三十一条" in text


def test_each_route_that_names_legal_aid_cites_the_law(kb) -> None:  # type: ignore[no-untyped-def]
    for route in kb.routes.values():
        if route.id in ("family", "traffic", "medical"):
            assert "12348" in route.text("where", "zh_CN"), route.id
            assert "法律援助法" in route.text("basis", "zh_CN"), route.id
            assert "Legal Aid Law" in route.text("basis", "en"), route.id
    debt = next(r for r in kb.routes.values() if r.id == "private_debt")
    assert "法律援助" not in debt.text("where", "zh_CN")  # not on Art. 31's list
