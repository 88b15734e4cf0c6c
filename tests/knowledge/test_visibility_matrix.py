"""Every audience x every path: one parametrised test proving that an article reaches a
reader only through `knowledge.selectors.visibility`, whatever the path: an internal
(agents-only) article never reaches a requester, an organisation's article never reaches
another organisation (nor someone without one), and drafts and archived articles never
leave the desk.

Readers: anonymous, a requester of organisation A (the organisation article's), a requester
of organisation B, a requester without an organisation, an agent. Paths: search (selector,
portal page, API), suggestions (selector, the portal's htmx endpoint, the desk ticket card),
the articles a ticket records as shown, portal article pages and category pages, API list
and detail, translations ("Also in", the API's `translations`), links inserted into a public
reply (the desk card's "Insert link" and the link endpoint), attachments and inline images,
feedback and "this solved it". The knowledge base has no feed (RSS/Atom/iCalendar):
`test_every_route_is_covered` fails when a route is added without a row here.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import get_resolver

from atiende.knowledge import actions, selectors
from atiende.knowledge.models import Audience, DeflectionEvent, Feedback, Status, TicketSuggestion
from atiende.tickets.models import Ticket

from ..api.conftest import ApiClient
from ..factories import CategoryFactory, OrganizationFactory, RequesterFactory, make_ticket

WORD = "impresora"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64

# Published articles each reader may read (the rule, written out by hand).
READABLE = {
    "anonymous": {"public"},
    "requester": {"public", "requesters", "organisation"},
    "stranger": {"public", "requesters"},
    "lone": {"public", "requesters"},
    "agent": {"public", "requesters", "organisation", "internal", "internal_translation"},
}
# What agents see beyond published articles (the desk: drafts and archived too).
AGENT_ALL = READABLE["agent"] | {"draft", "archived"}
# Articles that match WORD (the translation is about a keyboard).
ABOUT_WORD = {"public", "requesters", "organisation", "internal", "draft", "archived"}


class NotOpen(Exception):
    """The path is not open to this reader at all (e.g. the API without a token): nothing
    reaches them, which the test checks separately."""


@pytest.fixture
def world(agent, manager, requester, desk_default_team):
    category = CategoryFactory(name="Printing")

    def make(name, audience, *, organization=None, status=Status.PUBLISHED, **extra):
        article = actions.article_create(
            actor=agent,
            title=extra.pop("title", f"{name}: la {WORD} no imprime"),
            body=extra.pop("body", f"La {WORD} del tercer piso no imprime ({name})."),
            language=extra.pop("language", "es"),
            audience=audience,
            organization_id=organization.pk if organization else None,
            category_id=extra.pop("category_id", category.pk),
            **extra,
        )
        if status != Status.DRAFT:
            actions.article_transition(actor=manager, article_id=article.pk, to=Status.PUBLISHED)
        if status == Status.ARCHIVED:
            actions.article_transition(actor=manager, article_id=article.pk, to=Status.ARCHIVED)
        upload = SimpleUploadedFile(f"{name}.png", PNG, "image/png")
        article.file = actions.attachment_add(actor=agent, article_id=article.pk, upload=upload)
        return article

    kb = {
        "public": make("public", Audience.PUBLIC),
        "requesters": make("requesters", Audience.REQUESTERS),
        "organisation": make(
            "organisation", Audience.ORGANISATION, organization=requester.organization
        ),
        "internal": make("internal", Audience.AGENTS),
        "draft": make("draft", Audience.REQUESTERS, status=Status.DRAFT),
        "archived": make("archived", Audience.REQUESTERS, status=Status.ARCHIVED),
    }
    kb["internal_translation"] = make(
        "internal_translation",
        Audience.AGENTS,
        language="en",
        title="internal_translation: the keyboard layout",
        body="Reset the keyboard layout.",
        category_id=None,
        translation_of=kb["public"].pk,
    )
    readers = {
        "anonymous": AnonymousUser(),
        "requester": requester,
        "stranger": RequesterFactory(organization=OrganizationFactory(name="Other")),
        "lone": RequesterFactory(organization=None),
        "agent": agent,
    }
    return {"kb": kb, "readers": readers, "category": category}


def _client(reader) -> Client:
    client = Client()
    if reader.is_authenticated:
        client.force_login(reader)
    return client


def _titles_in(world, html: str) -> set[str]:
    return {name for name, a in world["kb"].items() if a.title in html}


def _names(world, ids) -> set[str]:
    by_id = {a.pk: name for name, a in world["kb"].items()}
    return {by_id[i] for i in ids}


def _ok_pages(world, reader, url: Callable[[object], str], method="get", data=None) -> set[str]:
    client = _client(reader)
    seen = set()
    for name, article in world["kb"].items():
        response = getattr(client, method)(url(article), data or {})
        if response.status_code in (200, 201) or (method == "post" and response.status_code == 302):
            seen.add(name)
        else:
            assert response.status_code in (302, 401, 403, 404), (name, response.status_code)
    return seen


def _api(reader) -> ApiClient:
    if not reader.is_authenticated:
        response = ApiClient().get("/articles")
        assert response.status_code == 401
        raise NotOpen
    return ApiClient(reader)


# --- the paths: each answers the names of the articles that reached the reader ------------------


def search_selector(world, reader):
    return _names(world, [h.article.pk for h in selectors.search(reader, WORD, limit=20)])


def search_portal_page(world, reader):
    html = _client(reader).get("/kb/search/", {"q": WORD}).content.decode()
    return _titles_in(world, html)


def search_api(world, reader):
    items = _api(reader).get("/articles", {"q": WORD, "status": "published"}).json()["items"]
    assert all("<mark>" in item["snippet"] for item in items)
    return _names(world, [item["id"] for item in items])


def suggest_selector(world, reader):
    hits = selectors.suggest(reader, f"mi {WORD} no imprime nada")
    return _names(world, [h.article.pk for h in hits])


def suggest_portal_htmx(world, reader):
    html = _client(reader).get("/kb/suggest/", {"title": f"mi {WORD} no imprime"}).content
    shown = {int(v) for v in re.findall(rb'name="kb_shown" value="(\d+)"', html)}
    titles = _titles_in(world, html.decode())
    assert _names(world, shown) == titles  # what goes back with the form is what was shown
    return titles


def suggest_desk_card(world, reader):
    ticket = make_ticket(world["readers"]["requester"], title=f"La {WORD} no imprime")
    response = _client(reader).get(f"/desk/kb/ticket/{ticket.number}/")
    if response.status_code != 200:
        assert response.status_code in (302, 403, 404)
        raise NotOpen
    return _titles_in(world, response.content.decode())


def shown_recorded_with_a_ticket(world, reader):
    """A requester's new ticket records the articles shown; ids slipped in are ignored."""
    if reader.is_authenticated and reader.is_agent:
        raise NotOpen  # agents write tickets in the desk, without suggestions
    response = _client(reader).post(
        "/portal/new/",
        {
            "kind": "incident", "title": f"La {WORD} sigue sin imprimir",
            "description": "Nada.", "impact": "3", "urgency": "3",
            "kb_shown": [str(a.pk) for a in world["kb"].values()],
        },
    )  # fmt: skip
    if not reader.is_authenticated:
        assert response.status_code == 302 and "/login/" in response["Location"]
        assert not Ticket.objects.exists()
        raise NotOpen
    ticket = Ticket.objects.get(requester=reader)
    ids = TicketSuggestion.objects.filter(ticket=ticket).values_list("article_id", flat=True)
    return _names(world, ids)


def portal_article_pages(world, reader):
    return _ok_pages(world, reader, lambda a: f"/kb/{a.pk}/")


def portal_category_page(world, reader):
    response = _client(reader).get(f"/kb/category/{world['category'].pk}/")
    return _titles_in(world, response.content.decode()) if response.status_code == 200 else set()


def api_list(world, reader):
    items = _api(reader).get("/articles", {"limit": 100}).json()["items"]
    return _names(world, [item["id"] for item in items])


def api_detail(world, reader):
    api = _api(reader)
    seen = set()
    for name, article in world["kb"].items():
        response = api.get(f"/articles/{article.pk}")
        assert response.status_code in (200, 404)
        if response.status_code == 200:
            seen.add(name)
    return seen


def translations(world, reader):
    """The public article's other languages: the portal's "Also in" and the API's."""
    public = world["kb"]["public"]
    html = _client(reader).get(f"/kb/{public.pk}/").content.decode()
    seen = (
        {"internal_translation"}
        if f'href="/kb/{world["kb"]["internal_translation"].pk}/"' in html
        else set()
    )
    if reader.is_authenticated:
        listed = ApiClient(reader).get(f"/articles/{public.pk}").json()["translations"]
        assert ("internal_translation" in _names(world, listed.values())) == bool(seen)
    return seen | {"public"}


def reply_links(world, reader):
    """An agent answers a ticket of `reader`: the articles the desk offers to link (the card's
    "Insert link") and those the link endpoint gives, for a public reply."""
    if not reader.is_authenticated:
        raise NotOpen  # an anonymous person has no ticket
    agent = world["readers"]["agent"]
    ticket = make_ticket(reader, actor=agent, title=f"La {WORD} no imprime")
    desk = _client(agent)
    card = desk.get(f"/desk/kb/ticket/{ticket.number}/", HTTP_HX_REQUEST="true").content
    offered = _names(world, [int(i) for i in re.findall(rb"/desk/kb/(\d+)/link/", card)])
    given = set()
    for name, article in world["kb"].items():
        response = desk.get(f"/desk/kb/{article.pk}/link/", {"ticket": ticket.number})
        assert response.status_code in (200, 404)
        if response.status_code == 200:
            assert f"/kb/{article.pk}/" in response.content.decode()
            given.add(name)
    assert offered <= given
    return given


def attachments(world, reader):
    return _ok_pages(world, reader, lambda a: f"/kb/attachments/{a.file.pk}/")


def inline_images(world, reader):
    return _ok_pages(world, reader, lambda a: f"/kb/attachments/{a.file.pk}/preview/")


def feedback(world, reader):
    seen = _ok_pages(
        world, reader, lambda a: f"/kb/{a.pk}/feedback/", method="post", data={"helpful": "yes"}
    )
    assert _names(world, Feedback.objects.values_list("article_id", flat=True)) == seen
    return seen


def solved(world, reader):
    seen = _ok_pages(world, reader, lambda a: f"/kb/{a.pk}/solved/", method="post")
    assert _names(world, DeflectionEvent.objects.values_list("article_id", flat=True)) == seen
    return seen


# path → (function, what an agent gets: the desk's wider view where the path shows it)
PATHS = {
    "search: selector": (search_selector, READABLE["agent"] & ABOUT_WORD),
    "search: portal page": (search_portal_page, READABLE["agent"] & ABOUT_WORD),
    "search: API": (search_api, READABLE["agent"] & ABOUT_WORD),
    "suggestions: selector": (suggest_selector, READABLE["agent"] & ABOUT_WORD),
    "suggestions: portal (htmx)": (suggest_portal_htmx, READABLE["agent"] & ABOUT_WORD),
    "suggestions: desk ticket card": (suggest_desk_card, READABLE["agent"] & ABOUT_WORD),
    "suggestions: recorded with a ticket": (shown_recorded_with_a_ticket, None),
    "portal: article pages": (portal_article_pages, READABLE["agent"]),
    "portal: category page": (portal_category_page, READABLE["agent"] & ABOUT_WORD),
    "API: list": (api_list, AGENT_ALL),
    "API: detail": (api_detail, AGENT_ALL),
    "translations": (translations, {"public", "internal_translation"}),
    "links in a public reply": (reply_links, READABLE["agent"]),
    "attachments": (attachments, AGENT_ALL),
    "inline images": (inline_images, AGENT_ALL),
    "feedback": (feedback, READABLE["agent"]),
    "this solved it": (solved, READABLE["agent"]),
}


@pytest.mark.parametrize("who", list(READABLE))
@pytest.mark.parametrize("path", list(PATHS))
def test_every_audience_through_every_path(world, path, who):
    function, agents_get = PATHS[path]
    reader = world["readers"][who]
    try:
        reached = function(world, reader)
    except NotOpen:
        return  # checked inside: nothing reached the reader
    if who == "agent":
        expected = agents_get
    elif path in ("translations",):
        expected = {"public"}
    elif function in (search_selector, search_portal_page, search_api, suggest_selector,
                      suggest_portal_htmx, portal_category_page):  # fmt: skip
        expected = READABLE[who] & ABOUT_WORD
    else:
        expected = READABLE[who]
    assert reached == expected, (path, who)
    if who != "agent":
        assert not reached & {"internal", "internal_translation", "draft", "archived"}
    if who in ("stranger", "lone", "anonymous"):
        assert "organisation" not in reached


def test_every_route_is_covered():
    """The knowledge base's routes are exactly those the matrix walks (no feed exists); a new
    route must join PATHS before this passes."""
    names = set()

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, getattr(pattern, "namespace", None) or namespace)
            elif namespace in ("knowledge", "knowledge_desk"):
                names.add(f"{namespace}:{pattern.name}")

    walk(get_resolver().url_patterns)
    assert names == {
        # reader paths, walked above
        "knowledge:home", "knowledge:search", "knowledge:suggest", "knowledge:category",
        "knowledge:article", "knowledge:feedback", "knowledge:solved", "knowledge:attachment",
        "knowledge:preview",
        # the desk (agents only: @agents_only) and its ticket card and reply links, walked above
        "knowledge_desk:list", "knowledge_desk:new", "knowledge_desk:preview",
        "knowledge_desk:article", "knowledge_desk:edit", "knowledge_desk:transition",
        "knowledge_desk:diff", "knowledge_desk:attach", "knowledge_desk:link",
        "knowledge_desk:ticket_suggestions", "knowledge_desk:known_error",
    }  # fmt: skip


@pytest.mark.parametrize("who", ["anonymous", "requester", "stranger", "lone"])
def test_the_desk_is_closed_to_everyone_else(world, who):
    client = _client(world["readers"][who])
    internal = world["kb"]["internal"]
    for url in (
        "/desk/kb/",
        f"/desk/kb/?q={WORD}",
        f"/desk/kb/{internal.pk}/",
        f"/desk/kb/{internal.pk}/diff/",
        f"/desk/kb/{internal.pk}/edit/",
    ):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        assert internal.title not in response.content.decode(), url
