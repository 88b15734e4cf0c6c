"""Risk: score arithmetic, thresholds, reasons, and the questionnaire answered on a change."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atiende.changes import actions, selectors
from atiende.changes import risk as r
from atiende.changes.models import RiskAnswer, RiskQuestion, RiskSettings
from atiende.core.errors import NotFound, ValidationFailed
from atiende.tickets.models import TicketEvent


@given(st.lists(st.integers(min_value=0, max_value=10)), st.integers(0, 30), st.integers(0, 30))
def test_level_is_monotonic_in_the_score(weights, medium_from, high_from):
    total = r.score(weights)
    level = r.level(total, medium_from=medium_from, high_from=high_from)
    higher = r.level(total + 1, medium_from=medium_from, high_from=high_from)
    order = [r.LOW, r.MEDIUM, r.HIGH]
    assert order.index(higher) >= order.index(level)
    assert total == sum(weights)


@pytest.mark.parametrize(
    ("score", "level"), [(0, "low"), (3, "low"), (4, "medium"), (8, "medium"), (9, "high")]
)
def test_default_thresholds(score, level):
    assert r.level(score, medium_from=4, high_from=9) == level


def test_reasons_are_the_contributing_answers_heaviest_first():
    reasons = r.reasons([("Q1", "a", 0), ("Q2", "b", 1), ("Q3", "c", 3)])
    assert [(x.question, x.weight) for x in reasons] == [("Q3", 3), ("Q2", 1)]


def test_default_questionnaire_is_seeded_in_both_languages(db):
    questions = selectors.risk_questionnaire()
    assert len(questions) == 6
    for question in questions:
        assert question.text_en and question.text_es and question.text_en != question.text_es
        assert question.choices.all()[0].weight == 0
    assert question.text("es").startswith("¿")


@pytest.mark.parametrize("level", ["low", "medium", "high"])
def test_assessing_the_risk_records_score_level_answers_and_timeline(agent, change, answer, level):
    details = actions.risk_assess(actor=agent, ticket_id=change.pk, answers=answer(level))
    assert details.risk_level == level
    assert details.risk_score == {"low": 0, "medium": 6, "high": 18}[level]
    assert RiskAnswer.objects.filter(change=details).count() == 6
    event = TicketEvent.objects.filter(ticket=change, field="risk").get()
    assert event.new_value == level and not event.public
    reasons = selectors.risk_reasons_of(details)
    assert len(reasons) == {"low": 0, "medium": 2, "high": 6}[level]
    if reasons:
        assert f"(+{reasons[0].weight})" in event.body


def test_thresholds_come_from_the_settings_row(agent, change, answer):
    settings = RiskSettings.load()
    settings.medium_from, settings.high_from = 1, 5
    settings.save()
    details = actions.risk_assess(actor=agent, ticket_id=change.pk, answers=answer("medium"))
    assert details.risk_level == "high"


def test_every_question_must_be_answered_with_one_of_its_answers(agent, change, answer):
    answers = answer("low")
    first, second = list(answers)[:2]
    answers.pop(first)
    answers[second] = 999_999
    with pytest.raises(ValidationFailed) as exc:
        actions.risk_assess(actor=agent, ticket_id=change.pk, answers=answers)
    assert set(exc.value.errors) == {f"answers.{first}", f"answers.{second}"}
    with pytest.raises(ValidationFailed):
        actions.risk_assess(actor=agent, ticket_id=change.pk, answers={"x": 1})
    assert not RiskAnswer.objects.exists()


def test_reassessing_replaces_the_answers(agent, change, answer):
    actions.risk_assess(actor=agent, ticket_id=change.pk, answers=answer("high"))
    details = actions.risk_assess(actor=agent, ticket_id=change.pk, answers=answer("low"))
    assert details.risk_level == "low"
    assert RiskAnswer.objects.filter(change=details).count() == RiskQuestion.objects.count()


def test_requesters_cannot_assess(requester, change, answer):
    with pytest.raises(NotFound):
        actions.risk_assess(actor=requester, ticket_id=change.pk, answers=answer("low"))
