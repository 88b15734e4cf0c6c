"""The ticket page's picker options come from process memory (core.memo); saving what they
list must make the change appear at once, in this process, without waiting for the memo."""

from __future__ import annotations

from atiende.accounts import selectors as people
from atiende.accounts.models import Role, TeamMembership
from atiende.core.sanitize import CACHED_TEXT_CHARS, render_markdown
from atiende.tickets import selectors
from atiende.tickets.models import Category, ResolutionCode

from ..factories import AgentFactory, TeamFactory


def test_a_new_or_renamed_category_shows_at_once(db):
    assert "Printers" not in [c.name for c in selectors.category_options()]
    category = Category.objects.create(name="Printers")
    assert "Printers" in [c.name for c in selectors.category_options()]
    category.is_active = False
    category.save()
    assert category.pk not in [c.pk for c in selectors.category_options()]


def test_resolution_codes_keep_the_inactive_for_old_tickets_labels(db):
    code = ResolutionCode.objects.create(
        code="escalated-elsewhere", name_en="Sent elsewhere", name_es="Enviado a otro lugar"
    )
    assert "escalated-elsewhere" in [c.code for c in selectors.resolution_code_options()]
    code.is_active = False
    code.save()
    assert "escalated-elsewhere" not in [c.code for c in selectors.resolution_code_options()]
    assert selectors.resolution_label("escalated-elsewhere") == "Sent elsewhere"


def test_agents_and_their_teams_follow_saves(agent, team):
    newcomer = AgentFactory(username="newcomer", first_name="Nadia")
    assert (newcomer.pk, newcomer.display_name) in people.agent_choices(agent)
    other = TeamFactory(name="Field service")
    TeamMembership.objects.create(user=newcomer, team=other)
    assert other.pk in people.agent_team_ids(agent)[newcomer.pk]
    assert (other.pk, "Field service") in people.team_choices(agent)
    newcomer.role = Role.REQUESTER
    newcomer.save()
    assert newcomer.pk not in dict(people.agent_choices(agent))


def test_requesters_get_no_options(requester, agent):
    assert people.agent_choices(requester) == []
    assert people.team_choices(requester) == []
    assert people.agent_team_ids(requester) == {}


def test_markdown_is_the_same_from_the_cache_and_long_texts_are_rendered_too():
    first = render_markdown("**bold** <script>x</script>")
    assert first == render_markdown("**bold** <script>x</script>")
    assert "<strong>bold</strong>" in first and "<script>" not in first
    long = "word " * (CACHED_TEXT_CHARS // 4)
    assert render_markdown(long).startswith("<p>word")
    assert render_markdown("*a*") != render_markdown("*b*")
