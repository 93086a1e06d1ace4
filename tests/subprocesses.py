"""Run a snippet of Python in a fresh Django process, for settings that are read once at start-up."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_django_snippet(script: str, *, environment: dict[str, str], drop: tuple[str, ...] = ()) -> str:
    """Run `script` after django.setup() with the test settings; return the last line it printed."""
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.test", **environment})
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", f"import django; django.setup()\n{script}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]
