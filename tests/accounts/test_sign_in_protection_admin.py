"""Sign-in protection (django-axes, which ships no Spanish) reads in Spanish and in English
in the admin: its section, its lists and their columns."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.urls import reverse

from atiende.accounts.models import Role, User


@pytest.fixture
def admin_client(client, db):
    admin = User.objects.create_user(
        username="root", password="x-long-password", role=Role.ADMIN, is_staff=True,
        is_superuser=True, language="es",
    )  # fmt: skip
    client.force_login(admin)
    return client


def test_the_admin_index_names_it_in_spanish(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "Protección del inicio de sesión" in page
    assert "Intentos de acceso" in page and "Registros de acceso" in page
    assert "Access attempts" not in page and "Access logs" not in page


@pytest.mark.parametrize("model", [AccessAttempt, AccessFailureLog, AccessLog])
def test_its_lists_read_in_spanish(admin_client, model):
    fields = {
        "user_agent": "curl",
        "ip_address": "192.0.2.7",
        "username": "ana",
        "path_info": "/login/",
    }
    if model is AccessAttempt:
        fields.update(get_data="", post_data="", http_accept="*/*", failures_since_start=3)
    elif model is AccessFailureLog:
        fields.update(http_accept="*/*", locked_out=False)
    else:
        fields.update(http_accept="*/*")
    model.objects.create(**fields)
    name = model._meta.model_name
    page = admin_client.get(reverse(f"admin:axes_{name}_changelist")).content.decode()
    assert "Dirección IP" in page and "IP Address" not in page


def test_in_english_it_reads_in_english(admin_client):
    User.objects.filter(username="root").update(language="en")
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "Sign-in protection" in page and "Access attempts" in page
