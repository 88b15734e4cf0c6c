"""Fail when hand-written SQL appears outside the places allowed to have it.

Raw SQL is allowed only where a measured figure earns it (docs/architecture.md, "Raw SQL"):
every other query goes through the ORM, whose statements follow the models. This walks the
syntax tree of every module under src/atiende (migrations excepted) and reports:

- a call of `.execute(`, `.executemany(`, `.executescript(`, `.raw(`, `.extra(` or
  `.cursor(` (a database cursor: `connection.cursor()`, `connections[...].cursor()`);
- any use of `RawSQL`.

Usage: python scripts/check_raw_sql.py [ROOT]   (ROOT defaults to src/atiende; exit 1 on a
finding). An allowed place that no longer has raw SQL is reported too, so the list and the
architecture page stay true.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

# Paths relative to ROOT; a trailing "/" allows a whole package. Each is documented, with
# its bench figure, in docs/architecture.md under "Raw SQL".
ALLOWED = {
    "core/": "shared statement builders (bulk inserts, COPY, rows read into instances)",
    "tickets/search.py": "full-text matching (FTS5, tsvector) and the planner's estimate",
    "knowledge/search.py": "article full-text matching and ranking (FTS5 bm25, ts_rank)",
    "tickets/numbering.py": "ticket numbers: a PostgreSQL sequence, SQLite's locked counter",
    "cmdb/graph.py": "the impact graph's version and relations, read on every use",
    "accounts/actions.py": "the API token lookup on every API request",
    "mail/outbound/delivery.py": "claiming one due mail: UPDATE … RETURNING, SKIP LOCKED",
    "sla/actions.py": "claiming due SLA clocks: one conditional UPDATE … RETURNING",
}

CALLS = {"execute", "executemany", "executescript", "raw", "extra", "cursor"}


def findings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in CALLS:
                found.append((node.lineno, f".{node.func.attr}()"))
        elif (isinstance(node, ast.Name) and node.id == "RawSQL") or (
            isinstance(node, ast.alias) and node.name.rsplit(".", 1)[-1] == "RawSQL"
        ):
            found.append((getattr(node, "lineno", 0), "RawSQL"))
        elif isinstance(node, ast.Attribute) and node.attr == "RawSQL":
            found.append((node.lineno, "RawSQL"))
    return sorted(set(found))


def allowed(relative: str) -> str | None:
    for place in ALLOWED:
        if relative == place or (place.endswith("/") and relative.startswith(place)):
            return place
    return None


def check(root: Path) -> list[str]:
    problems = []
    used: set[str] = set()
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if "/migrations/" in f"/{relative}":
            continue
        hits = findings(path)
        if not hits:
            continue
        place = allowed(relative)
        if place:
            used.add(place)
            continue
        for line, what in hits:
            problems.append(
                f"{path}:{line}: raw SQL ({what}) outside the allowed places: use the ORM "
                "(or core.bulk), or earn it with a bench figure in docs/architecture.md "
                '"Raw SQL" and scripts/check_raw_sql.py'
            )
    for place in sorted(set(ALLOWED) - used):
        if not place.endswith("/"):
            problems.append(f"{root / place}: allowed raw SQL but has none: drop it from the list")
    return problems


def main(argv: list[str]) -> int:
    root = (
        Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent / "src/atiende"
    )
    problems = check(root)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
