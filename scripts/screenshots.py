"""Take the README's screenshots from a running `scripts/demo`, in headless Chromium.

Usage: start `scripts/demo`, then `.venv/bin/python -m scripts.screenshots [--only NAME ...]`.
The pictures go to docs/images/, one per scene and language (`<scene>_<sv|en>.png`).

Playwright drives Debian's Chromium (it never downloads a browser). Each scene is a list of
steps that wait for what a person would wait for: a heading, a button's text, a card. No
step clicks a coordinate, so a change in HA's layout makes a step fail with a clear message
instead of photographing the wrong thing. Selectors pierce the frontend's shadow DOM.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
import shutil

from playwright.async_api import Page, async_playwright

from scripts.demo_setup import PASSWORD, USERNAME

BASE = "http://localhost:8123"
TIMEOUT_MS = 30_000

# Texts the steps wait for and click, per language: the frontend's own words and ours.
TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "ok": "OK",
        "configure": "Konfigurera",
        "confirm": "Bekräfta",
        "another": "Konfigurera en till instans av",
        "generic": "Generisk JSON",
        "connection": "Anslutning",
        "finish_title": "Skicka generisk JSON",
        "connection_title": "Anslutning",
    },
    "en": {
        "ok": "OK",
        "configure": "Configure",
        "confirm": "Submit",
        "another": "Setup another instance of",
        "generic": "Generic JSON",
        "connection": "Connection",
        "finish_title": "Post generic JSON",
        "connection_title": "Connection",
    },
}

Step = Callable[[Page, dict[str, str]], Awaitable[None]]


@dataclass
class Scene:
    """One picture: where to go, what to do, and what must be visible before the shot."""

    path: str
    steps: list[Step] = field(default_factory=list)
    width: int = 1280
    height: int = 800


def click_text(key: str) -> Step:
    """Click the visible element whose text is the translated `key`."""

    async def step(page: Page, text: dict[str, str]) -> None:
        await page.get_by_text(text.get(key, key), exact=True).first.click(timeout=TIMEOUT_MS)

    return step


def click_button(key: str) -> Step:
    """Click the button named by the translated `key`."""

    async def step(page: Page, text: dict[str, str]) -> None:
        await page.get_by_role("button", name=text.get(key, key)).first.click(timeout=TIMEOUT_MS)

    return step


def click_text_part(key: str) -> Step:
    """Click the visible element whose text contains the translated `key`."""

    async def step(page: Page, text: dict[str, str]) -> None:
        await page.get_by_text(text.get(key, key)).first.click(timeout=TIMEOUT_MS)

    return step


def click_first_button(key: str) -> Step:
    """Click the first button named by the translated `key` on the page (a list's first row)."""

    async def step(page: Page, text: dict[str, str]) -> None:
        await page.get_by_role("button", name=text.get(key, key), exact=True).first.click(timeout=TIMEOUT_MS)

    return step


def wait_text(key: str) -> Step:
    """Wait until the translated `key` (or a literal text) is visible."""

    async def step(page: Page, text: dict[str, str]) -> None:
        await page.get_by_text(text.get(key, key)).first.wait_for(timeout=TIMEOUT_MS)

    return step


def wait_selector(selector: str) -> Step:
    """Wait until an element matching the CSS selector is visible."""

    async def step(page: Page, _text: dict[str, str]) -> None:
        await page.locator(selector).first.wait_for(timeout=TIMEOUT_MS)

    return step


def settle() -> Step:
    """Wait for the network to go quiet and animations (dialogs, ripples) to end."""

    async def step(page: Page, _text: dict[str, str]) -> None:
        await page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
        await page.wait_for_timeout(600)

    return step


SCENES: dict[str, Scene] = {
    "integration": Scene(
        "/config/integrations/integration/ange_iot",
        [wait_selector("ha-config-integration-page ha-card"), settle()],
    ),
    "care_dashboard": Scene(
        "/ange-vard/0", [wait_selector("hui-view"), settle()], width=412, height=915
    ),
    "operations_dashboard": Scene("/ange-drift/0", [wait_selector("hui-view"), settle()]),
    # A new generic-JSON hub: its last step carries the URL, the header and the secret. The
    # dialog is photographed, not submitted, so the demo keeps one hub.
    "generic_finish": Scene(
        "/config/integrations/dashboard/add?domain=ange_iot",
        [
            click_button("ok"),
            click_text_part("another"),
            click_text("generic"),
            click_button("confirm"),
            wait_text("finish_title"),
            settle(),
        ],
        height=900,
    ),
    # The hub's options: the menu, then Connection, where the details can be found again.
    "connection": Scene(
        "/config/integrations/integration/ange_iot",
        [
            wait_selector("ha-config-integration-page ha-card"),
            click_first_button("configure"),
            click_text("connection"),
            wait_text("connection_title"),
            settle(),
        ],
        height=900,
    ),
}


async def _log_in(page: Page) -> None:
    """Log in through HA's own login page, as a person would."""
    await page.goto(BASE + "/", wait_until="domcontentloaded")
    await page.get_by_label("Username").or_(page.get_by_label("Användarnamn")).first.fill(USERNAME, timeout=TIMEOUT_MS)
    await page.get_by_label("Password").or_(page.get_by_label("Lösenord")).first.fill(PASSWORD)
    await page.keyboard.press("Enter")
    await page.locator("home-assistant-main").first.wait_for(timeout=TIMEOUT_MS)


async def _set_language(page: Page, language: str) -> None:
    """The user's language, stored where the frontend reads it on the next load."""
    await page.evaluate("lang => localStorage.setItem('selectedLanguage', JSON.stringify(lang))", language)


async def take(out: Path, languages: list[str], only: list[str]) -> list[Path]:
    """Save one picture per scene and language; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        try:
            for language in languages:
                context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale=f"{language}-SE")
                page = await context.new_page()
                await _log_in(page)
                await _set_language(page, language)
                for name, scene in SCENES.items():
                    if only and name not in only:
                        continue
                    await page.set_viewport_size({"width": scene.width, "height": scene.height})
                    await page.goto(BASE + scene.path, wait_until="domcontentloaded")
                    for step in scene.steps:
                        await step(page, TEXT[language])
                    target = out / f"{name}_{language}.png"
                    await page.screenshot(path=str(target))
                    saved.append(target)
                await context.close()
        finally:
            await browser.close()
    return saved


def main() -> None:
    """Parse arguments and take the pictures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/images"))
    parser.add_argument("--language", action="append", choices=sorted(TEXT), help="default: sv and en")
    parser.add_argument("--only", action="append", default=[], choices=sorted(SCENES))
    args = parser.parse_args()
    for path in asyncio.run(take(args.out, args.language or ["sv", "en"], args.only)):
        print(path)


if __name__ == "__main__":
    main()
