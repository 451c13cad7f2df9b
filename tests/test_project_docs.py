"""What the project's configuration and docs claim, checked against the code (no run).

- The ``dev`` environment of meltano.yml sends every Twilio API the tap reads to the
  local emulator (the port ``make demo`` starts it on), each under the path the emulator
  serves it at: a product added later is covered without another setting.
- transform/README.md lists every mart, and docs/architecture.md names every module of
  ``switchboard/`` and every file of ``tap_twilio/``.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from switchboard.demo import DEFAULT_PORT
from tap_twilio import hosts
from tap_twilio.streams import PRODUCTS
from twilio_emulator.apis import PREFIXES

ROOT = Path(__file__).resolve().parent.parent


def environment_config(name: str, plugin: str) -> dict:
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    environment = next(e for e in project["environments"] if e["name"] == name)
    plugins = environment["config"]["plugins"]
    return next(
        entry["config"] for kind in plugins.values() for entry in kind if entry["name"] == plugin
    )


def test_dev_environment_points_every_api_at_the_emulator() -> None:
    config = environment_config("dev", "tap-twilio")
    emulator = f"http://127.0.0.1:{DEFAULT_PORT}"
    assert hosts.base_urls(config, PRODUCTS) == {
        hosts.API: emulator,
        **{product: emulator + PREFIXES[product] for product in PRODUCTS},
    }


def test_transform_readme_lists_every_mart() -> None:
    readme = (ROOT / "transform" / "README.md").read_text()
    marts = sorted(p.stem for p in (ROOT / "transform/models/marts").rglob("*.sql"))
    assert len(marts) >= 19
    missing = [mart for mart in marts if f"| `{mart}` |" not in readme]
    assert missing == [], f"transform/README.md's mart tables lack {missing}"


def test_architecture_names_every_module() -> None:
    architecture = (ROOT / "docs" / "architecture.md").read_text()
    modules = [
        *(ROOT / "switchboard").glob("*.py"),
        *(ROOT / "tap-twilio" / "tap_twilio").glob("*.py"),
    ]
    missing = sorted(
        str(p.relative_to(ROOT))
        for p in modules
        if p.name != "__init__.py" and f"`{p.name}`" not in architecture
    )
    assert missing == [], f"docs/architecture.md does not name {missing}"
