"""The answers behind a summary as CSV, streamed (constant memory), for spreadsheets."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.db.models import QuerySet

# The one CSV-injection guard (cmdb's export); a candidate for core/ when a third user comes.
from atiende.core.spreadsheet import safe_cell

from .models import SurveyResponse

COLUMNS = ["ticket", "title", "rating", "comment", "agent", "team", "category", "answered_at",
           "updated_at", "follow_up"]  # fmt: skip


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_responses(responses: QuerySet[SurveyResponse]) -> Iterator[str]:
    """Lines of the CSV of `responses` (already filtered and access-scoped), newest first."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(COLUMNS)
    rows = responses.select_related(
        "invitation__ticket__category", "invitation__agent", "invitation__team", "follow_up"
    ).order_by("-answered_at", "-id")
    for r in rows.iterator(chunk_size=2000):
        invitation, ticket = r.invitation, r.invitation.ticket
        try:
            follow_up = r.follow_up.status
        except SurveyResponse.follow_up.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
            follow_up = ""
        yield writer.writerow(
            [
                ticket.number,
                safe_cell(ticket.title),
                r.rating,
                safe_cell(r.comment),
                safe_cell(invitation.agent.display_name if invitation.agent else ""),
                safe_cell(invitation.team.name if invitation.team else ""),
                safe_cell(ticket.category.name if ticket.category else ""),
                r.answered_at.isoformat(),
                r.updated_at.isoformat(),
                follow_up,
            ]
        )
