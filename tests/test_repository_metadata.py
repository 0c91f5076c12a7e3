"""What HACS, hassfest and GitHub read from the repository, checked here as well.

The workflows in .github/workflows run hassfest and the HACS action on GitHub. They cannot
run on this machine, so the rules they enforce that matter to us are written down here:
- HACS: ``custom_components/hacs/utils/validate.py`` in hacs/integration
  (HACS_MANIFEST_JSON_SCHEMA with PREVENT_EXTRA, INTEGRATION_MANIFEST_JSON_SCHEMA), and
  hacs.xyz "Publish / Integration" (brand assets in the integration's ``brand/`` folder).
- hassfest: ``script/hassfest/manifest.py`` in home-assistant/core (key order, iot_class and
  integration_type values, pinned requirements, a version for custom integrations).
- Brand images: home-assistant/brands README (icon 256x256, icon@2x 512x512, logo with its
  shortest side 128-256 px, logo@2x 256-512 px, all PNG).
"""

from __future__ import annotations

from importlib.util import find_spec
import json
from pathlib import Path
import re
import tomllib
from typing import Any
from urllib.parse import unquote

from awesomeversion import AwesomeVersion
from PIL import Image
import pytest
import yaml

ROOT = Path(__file__).parent.parent
COMPONENT = ROOT / "custom_components" / "ange_iot"
REPOSITORY = "https://github.com/ange-kommun/ange-iot"
ADDONS = sorted(path for path in (ROOT / "addons").iterdir() if (path / "config.yaml").exists())

# Text files a user or a store reads links from; generated and vendored files are left out.
LINK_SOURCES = (
    "README.md",
    "info.md",
    "repository.yaml",
    "hacs.json",
    "custom_components/**/*.json",
    "addons/*/*.md",
    "addons/*/*.yaml",
    "addons/*/translations/*.yaml",
    "blueprints/**/*.yaml",
    "dashboards/**/*.yaml",
    "docs/**/*.md",
)
GITHUB_LINK = re.compile(r"https://github\.com/ange-kommun/[^\s)\"'>\]`]*")

HACS_JSON_KEYS = {
    "content_in_root",
    "country",
    "filename",
    "hacs",
    "hide_default_branch",
    "homeassistant",
    "persistent_directory",
    "render_readme",
    "zip_release",
    "name",
}
IOT_CLASSES = {
    "assumed_state",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
    "calculated",
}
INTEGRATION_TYPES = {"device", "entity", "hardware", "helper", "hub", "service", "system", "virtual"}


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _link_files() -> list[Path]:
    found: set[Path] = set()
    for pattern in LINK_SOURCES:
        found.update(p for p in ROOT.glob(pattern) if p.is_file())
    return sorted(found)


# ---------------------------------------------------------------------------- licence


def test_licence_is_apache_2_everywhere() -> None:
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in licence and "Version 2.0, January 2004" in licence
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in licence
    assert "END OF TERMS AND CONDITIONS" in licence
    for pyproject in [ROOT / "pyproject.toml", *(a / "pyproject.toml" for a in ADDONS)]:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        assert project["project"]["license"] == "Apache-2.0", pyproject
    for addon in ADDONS:
        labels = _yaml(addon / "build.yaml")["labels"]
        assert labels["org.opencontainers.image.licenses"] == "Apache-2.0", addon.name
    # No file may claim another licence for the code.
    for path in _link_files():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\bMIT\b", text), path


# ---------------------------------------------------------------------------- one name


def test_repository_yaml_and_manifest_name_the_same_repository() -> None:
    assert _yaml(ROOT / "repository.yaml")["url"] == REPOSITORY
    manifest = _json(COMPONENT / "manifest.json")
    assert manifest["documentation"] == REPOSITORY
    assert manifest["issue_tracker"] == f"{REPOSITORY}/issues"


@pytest.mark.parametrize("addon", ADDONS, ids=lambda p: p.name)
def test_addon_links_point_into_the_repository(addon: Path) -> None:
    assert _yaml(addon / "config.yaml")["url"] == f"{REPOSITORY}/tree/main/addons/{addon.name}"
    labels = _yaml(addon / "build.yaml")["labels"]
    assert labels["org.opencontainers.image.source"] == REPOSITORY


def test_every_link_to_our_organisation_names_the_one_repository() -> None:
    links: list[tuple[Path, str]] = []
    for path in _link_files():
        # my.home-assistant.io links carry the blueprint's URL percent-encoded.
        text = unquote(path.read_text(encoding="utf-8"))
        links += [(path, link) for link in GITHUB_LINK.findall(text)]
    assert len(links) >= 10, "the README and blueprints link to the repository"
    for path, link in links:
        assert link == REPOSITORY or link[len(REPOSITORY) :][:1] in {"/", "#"}, (path, link)
        assert link.startswith(REPOSITORY), (path, link)
        # A link to a file in the tree must name a file that exists.
        if match := re.match(rf"{re.escape(REPOSITORY)}/(?:blob|tree)/main/([^#?]+)", link):
            assert (ROOT / match.group(1)).exists(), (path, link)


def test_blueprints_name_themselves_as_source() -> None:
    blueprints = sorted((ROOT / "blueprints").rglob("*.yaml"))
    assert blueprints
    for path in blueprints:
        source = yaml.load(path.read_text(encoding="utf-8"), Loader=_BlueprintLoader)
        relative = path.relative_to(ROOT).as_posix()
        assert source["blueprint"]["source_url"] == f"{REPOSITORY}/blob/main/{relative}"


class _BlueprintLoader(yaml.SafeLoader):
    """Blueprints use ``!input``; its value does not matter here."""


_BlueprintLoader.add_constructor("!input", lambda loader, node: loader.construct_scalar(node))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- HACS


def test_hacs_json_has_only_keys_hacs_accepts() -> None:
    hacs = _json(ROOT / "hacs.json")
    assert set(hacs) <= HACS_JSON_KEYS, set(hacs) - HACS_JSON_KEYS
    assert hacs["name"] == _json(COMPONENT / "manifest.json")["name"]
    # The minimum Home Assistant version HACS offers the integration to.
    assert AwesomeVersion(hacs["homeassistant"]).valid
    assert re.fullmatch(r"20\d\d\.\d{1,2}\.\d+", hacs["homeassistant"])
    assert hacs["country"] == ["SE"]


def test_info_md_summarises_and_links_to_the_readme() -> None:
    info = (ROOT / "info.md").read_text(encoding="utf-8")
    assert info.startswith("# Ånge IoT (LoRaWAN)")
    assert f"{REPOSITORY}#readme" in info
    assert len(info.splitlines()) < 40, "a summary; the README is the manual"


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("icon.png", lambda w, h: (w, h) == (256, 256)),
        ("icon@2x.png", lambda w, h: (w, h) == (512, 512)),
        ("logo.png", lambda w, h: 128 <= min(w, h) <= 256 and w >= h),
        ("logo@2x.png", lambda w, h: 256 <= min(w, h) <= 512 and w >= h),
    ],
)
def test_brand_images_in_the_integration(name: str, check: Any) -> None:
    # Home Assistant 2026.3+ serves custom integrations' brand images from their brand/
    # folder, which HACS downloads with the integration.
    with Image.open(COMPONENT / "brand" / name) as image:
        assert image.format == "PNG"
        assert check(*image.size), image.size


# ---------------------------------------------------------------------------- manifest


def test_manifest_has_what_hacs_and_hassfest_need() -> None:
    manifest = _json(COMPONENT / "manifest.json")
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"] and keys[2:] == sorted(keys[2:])
    assert manifest["domain"] == COMPONENT.name
    assert isinstance(manifest["name"], str) and manifest["name"]
    version = AwesomeVersion(manifest["version"])
    assert version.valid and version.strategy == "SemVer"
    assert all(re.fullmatch(r"@[\w-]+", owner) for owner in manifest["codeowners"])
    assert manifest["codeowners"]
    assert manifest["config_flow"] is True
    assert manifest["iot_class"] in IOT_CLASSES
    assert manifest["integration_type"] in INTEGRATION_TYPES
    assert isinstance(manifest["requirements"], list)
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", r) for r in manifest["requirements"])
    assert isinstance(manifest["dependencies"], list)
    for key in ("dependencies", "after_dependencies"):
        for domain in manifest.get(key, []):
            assert find_spec(f"homeassistant.components.{domain}") is not None, domain


def test_manifest_version_is_the_addons_and_projects_version() -> None:
    version = _json(COMPONENT / "manifest.json")["version"]
    root = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert root["project"]["version"] == version


# ---------------------------------------------------------------------------- workflows


def _workflow(name: str) -> dict[str, Any]:
    workflow = _yaml(ROOT / ".github" / "workflows" / name)
    # YAML 1.1 reads the bare key ``on`` as True; GitHub reads it as "on".
    assert "on" in workflow or True in workflow, name
    assert workflow["permissions"] == {"contents": "read"}
    for job_id, job in workflow["jobs"].items():
        assert job["runs-on"] == "ubuntu-latest", job_id
        assert job["steps"], job_id
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), (job_id, step)
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@[\w.-]+", step["uses"]), step
    return workflow


def test_validate_workflow_runs_hassfest_hacs_and_builds_the_addons() -> None:
    jobs = _workflow("validate.yml")["jobs"]
    uses = {job_id: [s.get("uses", "") for s in job["steps"]] for job_id, job in jobs.items()}
    assert "home-assistant/actions/hassfest@master" in uses["hassfest"]
    hacs_step = next(s for s in jobs["hacs"]["steps"] if s.get("uses", "").startswith("hacs/action@"))
    assert hacs_step["with"] == {"category": "integration"}
    assert set(jobs["addons"]["strategy"]["matrix"]["addon"]) == {a.name for a in ADDONS}
    assert "frenck/action-addon-linter@v2" in uses["addons"]
    assert any("docker build" in s.get("run", "") for s in jobs["addons"]["steps"])


def test_tests_workflow_runs_the_suite_on_both_home_assistant_versions() -> None:
    job = _workflow("tests.yml")["jobs"]["test"]
    commands = {
        step["run"].replace("${{ matrix.args }}", args).strip()
        for step in job["steps"]
        if "run" in step
        for args in job["strategy"]["matrix"]["args"]
    }
    assert commands == {"scripts/test", "scripts/test --ha current"}
    assert job["timeout-minutes"] <= 90


def test_translation_strings_hold_no_urls() -> None:
    """hassfest: "the string should not contain URLs, please use description placeholders"."""
    files = [COMPONENT / "strings.json", *sorted((COMPONENT / "translations").glob("*.json"))]

    def leaves(node: Any, path: str = "") -> list[tuple[str, str]]:
        if isinstance(node, dict):
            return [leaf for k, v in node.items() for leaf in leaves(v, f"{path}/{k}")]
        return [(path, node)] if isinstance(node, str) else []

    for file in files:
        offenders = [(p, s) for p, s in leaves(_json(file)) if re.search(r"https?://", s)]
        assert not offenders, (file.name, offenders)
