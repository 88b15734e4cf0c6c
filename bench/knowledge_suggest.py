"""Suggestions while a requester types a new ticket, over a large knowledge base: 100,000
published articles (Spanish and English, every audience) written from the ticket corpus.
Times `knowledge.selectors.suggest` (what the portal's htmx endpoint runs: ranked full-text
match, the one visibility rule, one article per translation group, snippets) for the
prefixes of many tickets as they are typed, as a requester and as an agent, and the whole
endpoint (`GET /kb/suggest/`) through Django's test client.

    # PostgreSQL (the database is created if missing; its knowledge tables replaced)
    ATIENDE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/atiende_kbbench \\
        .venv/bin/python bench/knowledge_suggest.py
    # SQLite (a file under ATIENDE_DATA_DIR, default /tmp/atiende-kbbench)
    .venv/bin/python bench/knowledge_suggest.py [--articles 100000] [--keep]

Prints a Markdown block for docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
EXTRA_ES = [
    "Reinicie el equipo y vuelva a intentarlo.",
    "Compruebe que el cable de red está conectado.",
    "Si el problema continúa, abra un ticket con una captura de pantalla.",
    "Cierre la sesión y vuelva a entrar.",
    "Borre la caché del navegador.",
]
EXTRA_EN = [
    "Restart the computer and try again.",
    "Check that the network cable is plugged in.",
    "If the problem persists, open a ticket with a screenshot.",
    "Sign out and sign in again.",
    "Clear the browser cache.",
]
AUDIENCES = ["public"] * 3 + ["requesters"] * 5 + ["agents"] * 2


def setup_django() -> str:
    url = os.environ.get("ATIENDE_DATABASE_URL", "")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
    os.environ.setdefault("ATIENDE_DATA_DIR", "/tmp/atiende-kbbench")
    Path(os.environ["ATIENDE_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    if url.startswith("postgres"):
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
            if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                admin.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    return connection.vendor


def _texts(rng: random.Random, language: str) -> tuple[str, str]:
    import corpus

    templates = corpus.TEMPLATES_ES if language == "es" else corpus.TEMPLATES_EN
    places = corpus.PLACES_ES if language == "es" else corpus.PLACES_EN
    extra = EXTRA_ES if language == "es" else EXTRA_EN
    _category, title, description = rng.choice(templates)
    fill = {"place": rng.choice(places), "app": rng.choice(corpus.APPS)}
    body = " ".join([description.format(**fill), *rng.sample(extra, 3)])
    if rng.random() < 1 / 500:
        body += " " + rng.choice(corpus.RARE_SENTENCES_ES + corpus.RARE_SENTENCES_EN)
    return title.format(**fill), body


def generate(n: int, owner, rng: random.Random) -> None:
    from django.db import connection, transaction

    from atiende.knowledge import search
    from atiende.knowledge.models import Article, ArticleSearchDocument, TranslationGroup

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "TRUNCATE knowledge_articlesearchdocument, knowledge_article, "
                    "knowledge_translationgroup RESTART IDENTITY CASCADE"
                )
        else:
            ArticleSearchDocument.objects.all().delete()
            Article.objects.all().delete()
            TranslationGroup.objects.all().delete()
    batch = 5000
    for start in range(0, n, batch):
        count = min(batch, n - start)
        with transaction.atomic():
            groups = TranslationGroup.objects.bulk_create(
                [TranslationGroup() for _ in range(count)]
            )
            articles = []
            for group in groups:
                language = rng.choice(["es", "en"])
                title, body = _texts(rng, language)
                articles.append(
                    Article(
                        group=group, language=language, title=title, body=body,
                        audience=rng.choice(AUDIENCES), status="published", owner=owner,
                        created_at=NOW, updated_at=NOW, published_at=NOW,
                    )
                )  # fmt: skip
            Article.objects.bulk_create(articles)
            docs = []
            for article in articles:
                title_terms, body_terms = search.document_terms(article.title, article.body, [])
                docs.append(
                    ArticleSearchDocument(
                        article=article, title_terms=title_terms, body_terms=body_terms
                    )
                )
            ArticleSearchDocument.objects.bulk_create(docs)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE knowledge_article")
            cursor.execute("ANALYZE knowledge_articlesearchdocument")


def typing_prefixes(rng: random.Random, tickets: int) -> list[str]:
    """What the endpoint receives while people type: a ticket's title and description,
    cut after each few words (the debounce fires on pauses)."""
    import corpus

    texts = []
    for _ in range(tickets):
        templates = rng.choice([corpus.TEMPLATES_ES, corpus.TEMPLATES_EN])
        places = corpus.PLACES_ES if templates is corpus.TEMPLATES_ES else corpus.PLACES_EN
        _c, title, description = rng.choice(templates)
        fill = {"place": rng.choice(places), "app": rng.choice(corpus.APPS)}
        words = f"{title.format(**fill)} {description.format(**fill)}".split()
        for cut in range(2, len(words) + 1, 3):
            texts.append(" ".join(words[:cut]))
    return texts


def timed(fn, inputs: list[str]) -> tuple[list[float], list[float]]:
    """Wall times and this process's CPU times, in ms (on a shared machine the wall time
    includes waiting for a core; on SQLite the CPU time is all the work)."""
    out, cpu = [], []
    for text in inputs:
        started, started_cpu = time.perf_counter(), time.process_time()
        fn(text)
        out.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return out, cpu


def summary(label: str, measured: tuple[list[float], list[float]]) -> str:
    ms, cpu = sorted(measured[0]), measured[1]
    p95 = ms[int(len(ms) * 0.95) - 1]
    return (
        f"| {label} | {len(ms)} | {statistics.median(ms):.1f} | {p95:.1f} | {ms[-1]:.1f} "
        f"| {statistics.median(cpu):.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--tickets", type=int, default=60)
    parser.add_argument("--keep", action="store_true", help="reuse the articles already there")
    args = parser.parse_args()
    vendor = setup_django()
    from django.test import Client

    from atiende.accounts.models import Role, User
    from atiende.knowledge import selectors
    from atiende.knowledge.models import Article

    rng = random.Random(15)
    owner, _ = User.objects.get_or_create(username="kb-bench-agent", defaults={"role": Role.AGENT})
    reader, _ = User.objects.get_or_create(username="kb-bench-requester")
    if not args.keep or Article.objects.count() != args.articles:
        started = time.perf_counter()
        generate(args.articles, owner, rng)
        print(f"generated {args.articles} articles in {time.perf_counter() - started:.0f} s")
    inputs = typing_prefixes(rng, args.tickets)
    for text in inputs[:20]:  # warm caches (stemmer, statement cache, pages)
        selectors.suggest(reader, text)
    client = Client()
    client.force_login(reader)
    rows = [
        summary("suggest, requester", timed(lambda t: selectors.suggest(reader, t), inputs)),
        summary("suggest, agent", timed(lambda t: selectors.suggest(owner, t), inputs)),
        summary(
            "GET /kb/suggest/ (whole view)",
            timed(lambda t: client.get("/kb/suggest/", {"title": t}), inputs),
        ),
    ]
    print(
        f"\nKnowledge suggestions, {args.articles:,} articles, {vendor}, "
        f"{datetime.now(UTC):%Y-%m-%d}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs\n"
    )
    print(
        "| what | calls | median ms | p95 ms | max ms | CPU median ms |\n|---|---|---|---|---|---|"
    )
    print("\n".join(rows))


if __name__ == "__main__":
    main()
