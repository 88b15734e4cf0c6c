"""Edited templates are used on the next request under `atiende run` (development).

Django recompiles templates only under `runserver`'s autoreloader; `atiende run` serves
through gunicorn and keeps the cached loader (a template compiled once per process), so a
thread in the worker looks at the template files' modification times once a second and
empties the loaders' caches when one changed. Production (`atiende serve`) never starts it.
"""

from __future__ import annotations

import threading
from pathlib import Path

from django.template import autoreload


def template_files() -> dict[Path, int]:
    """Every file under the project's template directories, with its modification time."""
    seen: dict[Path, int] = {}
    for directory in autoreload.get_template_directories():
        for path in Path(directory).rglob("*"):
            if path.is_file():
                seen[path] = path.stat().st_mtime_ns
    return seen


class TemplateWatcher(threading.Thread):
    def __init__(self, interval: float = 1.0) -> None:
        super().__init__(name="atiende-template-watcher", daemon=True)
        self.interval = interval
        self._stop_event = threading.Event()
        self._known = template_files()

    def poll(self) -> bool:
        """Empty the template caches if a template was added, edited or removed."""
        current = template_files()
        changed = current != self._known
        self._known = current
        if changed:
            autoreload.reset_loaders()
        return changed

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            self.poll()

    def stop(self, timeout: float | None = None) -> None:
        self._stop_event.set()
        self.join(timeout)
