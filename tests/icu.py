"""ICU MessageFormat through node and intl-messageformat, the library HA's frontend uses.

intl-messageformat is installed into the git-ignored .node folder when missing; the
tests that need it skip, saying why, only when node itself is not installed.
"""

from __future__ import annotations

from collections.abc import Mapping
import json
from pathlib import Path
import shutil
import subprocess

import pytest

ROOT = Path(__file__).parent.parent
NODE_DIR = ROOT / ".node"
SCRIPT = Path(__file__).parent / "icu_parse.cjs"
# The version line Home Assistant's frontend ships; its parser rules are the ones users meet.
INTL_MESSAGEFORMAT = "intl-messageformat@10.7.16"


def _node() -> str:
    """node, with intl-messageformat ready next to it."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the ICU MessageFormat checks need node and npm")
    if not (NODE_DIR / "node_modules/intl-messageformat").is_dir():
        npm = shutil.which("npm")
        assert npm is not None, "node is installed but npm is not: install npm to run this check"
        NODE_DIR.mkdir(exist_ok=True)
        subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(NODE_DIR), INTL_MESSAGEFORMAT],
            check=True,
            timeout=300,
        )
    return node


def _run(items: list[tuple[str, str, Mapping[str, str] | None]]) -> list[tuple[str, str | None, str | None]]:
    node = _node()
    done = subprocess.run(
        [node, str(SCRIPT)],
        input=json.dumps(items),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={"NODE_PATH": str(NODE_DIR / "node_modules"), "PATH": str(Path(node).parent)},
    )
    return [(where, error, text) for where, error, text in json.loads(done.stdout)]


def parse_errors(strings: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The strings the frontend cannot parse, with the parser's error."""
    return [(where, error) for where, error, _ in _run([(w, t, None) for w, t in strings]) if error]


def render(text: str, values: Mapping[str, str]) -> str:
    """The text as the frontend shows it, with the placeholders filled in."""
    [(_, error, rendered)] = _run([("text", text, dict(values))])
    assert error is None, error
    assert rendered is not None
    return rendered
