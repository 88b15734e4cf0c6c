"""Django stores permission names in English at migration time; the admin's permission
pickers (groups, users) label them in the reader's language from their action and model,
and leave out the permissions of models that no longer exist."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from atiende.accounts.models import Role, User


@pytest.fixture
def root(db):
    return User.objects.create_user(
        username="root", password="x-long-password", role=Role.ADMIN, is_staff=True,
        is_superuser=True, language="es",
    )  # fmt: skip


@pytest.mark.parametrize("page", ["admin:auth_group_add", "admin:accounts_user_change"])
def test_permissions_read_in_the_readers_language(client, root, page):
    gone = ContentType.objects.create(app_label="changes", model="removedthing")
    Permission.objects.create(
        content_type=gone, codename="add_removedthing", name="Can add removed"
    )
    client.force_login(root)
    args = [root.pk] if page.endswith("change") else []
    html = client.get(reverse(page, args=args)).content.decode()
    assert "Tickets | Puede añadir ticket</option>" in html
    assert "Niveles de servicio | Puede ver política de SLA</option>" in html
    assert "Can add" not in html and "Can view" not in html
    assert "removed" not in html

    root.language = "en"
    root.save(update_fields=["language"])
    html = client.get(reverse(page, args=args)).content.decode()
    assert "Tickets | Can add ticket</option>" in html
