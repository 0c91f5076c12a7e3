"""Write the test requirements for the current Home Assistant, with the harness's pins winning.

Our requirement files pin what Home Assistant 2025.4.4 pins (aiohttp, Jinja2, ...). The newer
harness pins newer versions of some of them, and pip refuses two different pins. A package the
harness already pins is therefore named without a version (its constraint decides); any other
keeps our pin, so the run stays reproducible.
"""

from __future__ import annotations

from pathlib import Path
import re
import sys

# Pins that exist only for the old Home Assistant, or are the harness itself.
OLD_HA_ONLY = {"homeassistant", "pytest-homeassistant-custom-component", "pycares", "ruff", "mypy"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def _requirements(path: Path, seen: set[Path]) -> list[str]:
    if path in seen:
        return []
    seen.add(path)
    lines: list[str] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r "):
            lines += _requirements((path.parent / line[3:].strip()).resolve(), seen)
        else:
            lines.append(line)
    return lines


def main(constraints: str, *files: str) -> None:
    pinned = {_name(line) for line in Path(constraints).read_text(encoding="utf-8").splitlines() if "==" in line}
    seen: set[Path] = set()
    out: dict[str, str] = {}
    for file in files:
        for requirement in _requirements(Path(file).resolve(), seen):
            name = _name(requirement)
            if name in OLD_HA_ONLY:
                continue
            out[name] = name if name in pinned else requirement
    sys.stdout.write("\n".join(out.values()) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
