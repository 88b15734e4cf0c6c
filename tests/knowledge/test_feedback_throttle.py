"""Anyone may say whether a public article helped without signing in; a script must not be
able to fill the figures: answers from people not signed in are counted per address."""

from __future__ import annotations

from django.test import Client

from atiende.knowledge.models import Feedback


def test_people_not_signed_in_are_limited_per_address(kb, settings):
    settings.KB_FEEDBACK_PER_ADDRESS = 3
    url = f"/kb/{kb['public'].pk}/feedback/"
    client = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(3):
        assert client.post(url, {"helpful": "yes"}).status_code == 302
    before = Feedback.objects.count()
    refused = client.post(url, {"helpful": "yes"})
    assert refused.status_code == 429
    assert "Try again later" in refused.content.decode()
    assert Feedback.objects.count() == before  # nothing written over the limit
    other = Client(REMOTE_ADDR="198.51.100.8")
    assert other.post(url, {"helpful": "no"}).status_code == 302  # another address counts apart


def test_signed_in_people_keep_one_answer_each_and_are_not_counted(kb, requester, client, settings):
    settings.KB_FEEDBACK_PER_ADDRESS = 1
    client.force_login(requester)
    url = f"/kb/{kb['public'].pk}/feedback/"
    for helpful in ("yes", "no", "yes"):
        assert client.post(url, {"helpful": helpful}).status_code == 302
    assert Feedback.objects.filter(user=requester).count() == 1


def test_over_the_limit_a_hidden_article_is_still_a_404(kb, settings):
    settings.KB_FEEDBACK_PER_ADDRESS = 0
    assert (
        Client().post(f"/kb/{kb['internal'].pk}/feedback/", {"helpful": "yes"}).status_code == 404
    )
