"""/back's history: each step records only what it changed, and undoing gives back exactly the
answers as they were, including from histories written before (full copies)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from handlers.conversation.flow import undo_entry, undone

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)
answers = st.dictionaries(st.sampled_from("abcdefgh"), values, max_size=8)


@given(before=answers, after=answers)
def test_undoing_a_step_gives_back_the_answers_before_it(before: dict, after: dict) -> None:
    entry = json.loads(json.dumps(undo_entry("s1", before, after)))  # as stored
    assert entry["step"] == "s1"
    assert undone(entry, after) == before


def test_a_step_records_only_what_it_changed() -> None:
    before = {"name": "张测试", "phone": "13912345678", "claims": [{"kind": "wages"}]}
    after = {**before, "employer": "示例制造有限公司"}
    assert undo_entry("employer", before, after) == {
        "step": "employer",
        "restore": {},
        "drop": ["employer"],
    }


def test_histories_written_as_full_copies_still_go_back() -> None:
    old_entry = {"step": "phone", "answers": {"name": "张测试"}}
    assert undone(old_entry, {"name": "张测试", "phone": "13912345678"}) == {"name": "张测试"}
