"""`atiende run` uses edited templates on the next request: the watcher empties the cached
loaders when a template file is added, edited or removed, and only then."""

from __future__ import annotations

import argparse
import os

from django.template import engines
from django.template.loader import get_template

from atiende import cli
from atiende.web import template_reload
from atiende.web.template_reload import TemplateWatcher


def test_an_edited_template_is_rendered_after_the_next_poll(tmp_path, monkeypatch):
    page = tmp_path / "reload-probe.html"
    page.write_text("before")
    monkeypatch.setattr(template_reload.autoreload, "get_template_directories", lambda: [tmp_path])
    engine = engines["django"].engine
    monkeypatch.setattr(engine, "dirs", [str(tmp_path)])
    for loader in engine.template_loaders:
        loader.reset()
    watcher = TemplateWatcher()
    assert get_template("reload-probe.html").render() == "before"

    page.write_text("after, longer")
    assert get_template("reload-probe.html").render() == "before"  # still the cached one
    assert watcher.poll() is True
    assert get_template("reload-probe.html").render() == "after, longer"
    assert watcher.poll() is False  # nothing new: the caches are kept

    (tmp_path / "new.html").write_text("new")
    assert watcher.poll() is True
    page.unlink()
    assert watcher.poll() is True


def test_the_watcher_thread_stops(monkeypatch):
    watcher = TemplateWatcher(interval=0.01)
    watcher.start()
    watcher.stop(timeout=2)
    assert not watcher.is_alive()


def test_run_asks_for_it_and_serve_never(monkeypatch):
    monkeypatch.delenv("ATIENDE_TEMPLATE_AUTORELOAD", raising=False)
    monkeypatch.setattr(cli, "_setup_django", lambda: None)
    monkeypatch.setattr(cli, "_migrate", lambda: None)
    monkeypatch.setattr(cli, "_gunicorn", lambda *a, **k: 0)
    cli.cmd_run(argparse.Namespace(demo=False, host="127.0.0.1", port=8000))
    assert os.environ["ATIENDE_TEMPLATE_AUTORELOAD"] == "true"
    cli.cmd_serve(argparse.Namespace(workers=1, threads=1, host="127.0.0.1", port=8000))
    assert os.environ["ATIENDE_TEMPLATE_AUTORELOAD"] == "false"
