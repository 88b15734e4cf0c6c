"""Settings are read once per process: a test of what the environment selects runs the
settings module in a fresh interpreter and reads the values back as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def settings_in_fresh_process(tmp_path: Path, expressions: str, **env: str) -> list:
    """The values of `expressions` (a Python list literal over `s`, the settings), with the
    ATIENDE_* environment replaced by `env`."""
    probe = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({expressions}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ATIENDE_")}
    clean.update(DJANGO_SETTINGS_MODULE="atiende.settings", ATIENDE_DATA_DIR=str(tmp_path), **env)
    out = subprocess.run(
        [sys.executable, "-c", probe], env=clean, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])
