"""docs/flows/*.md are drawn from the code's tables (bot/diagrams.py): a committed diagram that
no longer matches its table fails here; `mediation-bot diagrams` redraws them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import diagrams
from bot.cli import main
from handlers.casework import lifecycle
from handlers.party import intake_form as intake
from knowledge.scope import load_scope_rules


def test_committed_diagrams_match_the_tables() -> None:
    stale = diagrams.stale()
    assert not stale, f"stale diagrams {stale}: run `mediation-bot diagrams` and commit them"


def test_a_changed_table_makes_its_diagram_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diagrams", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(diagrams.DIAGRAMS)
    assert main(["diagrams", "--check", "--out", str(tmp_path)]) == 0
    changed = {**lifecycle.TRANSITIONS, "failed": {"closed", "in_mediation"}}
    monkeypatch.setattr(lifecycle, "TRANSITIONS", changed)
    capsys.readouterr()
    assert main(["diagrams", "--check", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "lifecycle.md: stale" in err and "screening.md" not in err
    assert main(["diagrams", "--out", str(tmp_path)]) == 0
    assert "failed --> in_mediation" in (tmp_path / "lifecycle.md").read_text(encoding="utf-8")


def test_every_question_outcome_and_move_of_the_screening_is_drawn() -> None:
    rules = load_scope_rules()
    text = diagrams.screening_diagram(rules)
    for qid in rules.question_ids:
        assert f"q_{qid}[" in text
    for oid in rules.outcome_ids:
        assert f"o_{oid}([" in text
    arrows = [line for line in text.splitlines() if "-->" in line or ".->" in line]
    for e in rules.edges():
        prefix = "q" if e.how == "next" else "o"
        assert any(
            line.strip().startswith(f"q_{e.question} ")
            and line.endswith(f" {prefix}_{e.target}")
            and e.answer in line
            for line in arrows
        ), e


def test_the_application_skips_what_intake_skips() -> None:
    """The form's conditional steps come from intake.applies: an employer is not asked for
    the other side's credit code, a worker still employed not for the end date."""
    text = diagrams.application_diagram()
    assert '"if role = employer (no respondent_uscc)" --> s_respondent_phone' in text
    assert '"unless role = employer" --> s_respondent_uscc' in text
    assert '"if employment_status = employed (no employment_end)" --> s_facts' in text
    for key in intake.ORDER:
        assert f"s_{key}[" in text
    assert "s_consent --> s_applicant_name" in text  # goto(first_step()) resolved


def test_the_binding_is_drawn_from_its_steps() -> None:
    text = diagrams.binding_diagram()
    assert 'START(("start")) --> s_number' in text
    assert "s_number --> s_code" in text
    assert 's_code --> DONE(("end"))' in text
