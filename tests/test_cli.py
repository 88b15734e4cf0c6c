"""The `atiende` command: createuser, token create and demo, run in-process."""

from __future__ import annotations

import pytest

from atiende import cli, demo
from atiende.accounts.actions import api_token_authenticate
from atiende.accounts.models import Role, User
from atiende.tickets.models import Category, Status, Ticket


@pytest.mark.django_db
def test_createuser_creates_missing_organisation_and_team(capsys):
    code = cli.main(
        ["createuser", "lucia", "--email", "lucia@example.org", "--password", "a-long-secret-9",
         "--role", "agent", "--team", "Redes"]
    )  # fmt: skip
    assert code == 0
    user = User.objects.get(username="lucia")
    assert user.role == Role.AGENT
    assert user.check_password("a-long-secret-9")
    assert list(user.teams.values_list("name", flat=True)) == ["Redes"]
    code = cli.main(
        ["createuser", "ana", "--password", "a-long-secret-9", "--organization", "Acme"]
    )
    assert code == 0
    assert User.objects.get(username="ana").organization.name == "Acme"


@pytest.mark.django_db
def test_createuser_rejects_duplicates_and_weak_passwords_with_a_message(capsys):
    assert cli.main(["createuser", "dup", "--password", "a-long-secret-9"]) == 0
    assert cli.main(["createuser", "dup", "--password", "a-long-secret-9"]) == 2
    assert "already taken" in capsys.readouterr().err
    assert cli.main(["createuser", "weak", "--password", "123"]) == 2
    assert "password" in capsys.readouterr().err
    assert not User.objects.filter(username="weak").exists()


def test_createuser_rejects_unknown_role():
    with pytest.raises(SystemExit) as exc:
        cli.main(["createuser", "x", "--role", "overlord"])
    assert exc.value.code == 2


@pytest.mark.django_db
def test_token_create_prints_a_working_token_alone_on_the_last_line(capsys, agent):
    assert cli.main(["token", "create", agent.username]) == 0
    last_line = capsys.readouterr().out.strip().splitlines()[-1]
    assert " " not in last_line
    assert api_token_authenticate(last_line) == agent


@pytest.mark.django_db
def test_token_create_for_unknown_user_fails_cleanly(capsys):
    assert cli.main(["token", "create", "nobody"]) == 2
    assert "no user" in capsys.readouterr().err


@pytest.mark.django_db
def test_demo_data_covers_every_status_and_role():
    demo.load(tickets_per_template=2)
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    assert (
        User.objects.filter(organization__isnull=False).values("organization").distinct().count()
        == 2
    )
    assert Ticket.objects.filter(events__public=False).exists()  # internal notes
    assert Ticket.objects.filter(events__type="comment").exists()  # replies
    assert not demo.database_is_empty()
    phones = Category.objects.get(name="Phones")  # categories read in Spanish too
    assert (phones.label("es"), phones.label("en")) == ("Equipos › Teléfonos", "Hardware › Phones")
