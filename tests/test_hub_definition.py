"""The Meltano Hub definition of the `switchboard` variant of tap-twilio.

It must pass the Hub's lint rules (yamllint: keys in alphabetical order, block
style, no document start), carry the Hub's required metadata, list exactly the
settings `tap-twilio --about` reports (sorted, secrets sensitive), and install
with `meltano add --from-ref`, offline, into a fresh Meltano project.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from yamllint import config as yamllint_config
from yamllint import linter

from switchboard import meltano

ROOT = Path(__file__).resolve().parents[1]
HUB_FILE = ROOT / "tap-twilio" / "hub" / "tap-twilio--switchboard.yml"
# The Hub's .yamllint.yaml (meltano/hub; ../shared/reference/meltano-singer-notes.md §8).
HUB_YAMLLINT = """
extends: default
rules:
  key-ordering: enable
  indentation:
    indent-sequences: false
  braces:
    forbid: non-empty
  document-start:
    present: false
  line-length: disable
"""
ALLOWED_KEYS = {
    "name", "pip_url", "variant", "namespace", "label", "description", "executable",
    "settings", "docs", "repo", "logo_url", "hidden", "python", "settings_group_validation",
    "commands", "capabilities", "metadata", "schema", "select", "maintenance_status",
    "quality", "domain_url", "keywords", "requires", "definition", "next_steps",
    "settings_preamble", "usage", "prereq", "supported_python_versions", "log_parser",
}  # fmt: skip
CAPABILITIES = {
    "properties", "catalog", "discover", "state", "about", "stream-maps",
    "schema-flattening", "activate-version", "batch", "test", "log-based",
    "structured-logging",
}  # fmt: skip
SECRETS = {"auth_token", "api_key_secret", "hash_key"}


@pytest.fixture(scope="module")
def definition() -> dict:
    return yaml.safe_load(HUB_FILE.read_text())


@pytest.fixture(scope="module")
def about() -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "tap_twilio", "--about", "--format=json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)


def test_passes_the_hub_lint_rules() -> None:
    problems = list(linter.run(HUB_FILE.read_text(), yamllint_config.YamlLintConfig(HUB_YAMLLINT)))
    assert [f"{p.line}: {p.message}" for p in problems] == []


def test_linter_catches_what_the_hub_rejects() -> None:
    """The rules are live: a key out of order, a flow mapping or a `---` fails."""
    rules = yamllint_config.YamlLintConfig(HUB_YAMLLINT)
    for bad in ("name: a\nlabel: b\n", "settings: {name: a}\n", "---\nname: a\n"):
        assert list(linter.run(bad, rules)), bad


def test_hub_metadata(definition: dict, about: dict) -> None:
    assert set(definition) <= ALLOWED_KEYS
    assert list(definition) == sorted(definition)
    assert definition["name"] == "tap-twilio"
    assert definition["namespace"] == "tap_twilio"
    assert definition["variant"] == "switchboard"
    assert definition["pip_url"] == "switchboard-tap-twilio"
    assert definition["quality"] in {"gold", "silver", "bronze", "unknown"}
    assert definition["maintenance_status"] in {
        "active", "beta", "development", "inactive", "unknown",
    }  # fmt: skip
    assert "meltano_sdk" in definition["keywords"]
    assert definition["capabilities"] == sorted(about["capabilities"])
    assert set(definition["capabilities"]) <= CAPABILITIES
    assert definition["supported_python_versions"] == about["supported_python_versions"]


def _about_settings(schema: dict, prefix: str = "") -> dict[str, dict]:
    result = {}
    for name, prop in schema["properties"].items():
        if prop.get("properties") and name != "stream_maps":
            result |= _about_settings(prop, f"{prefix}{name}.")
        else:
            result[prefix + name] = prop
    return result


def test_settings_are_the_about_settings(definition: dict, about: dict) -> None:
    settings = definition["settings"]
    names = [s["name"] for s in settings]
    assert names == sorted(names)
    expected = _about_settings(about["settings"])
    assert set(names) == set(expected)
    for setting in settings:
        assert list(setting) == sorted(setting), setting["name"]
        prop = expected[setting["name"]]
        assert setting.get("sensitive", False) == bool(prop.get("secret")), setting["name"]
        assert setting.get("value") == prop.get("default"), setting["name"]
    assert {s["name"] for s in settings if s.get("sensitive")} == SECRETS
    kinds = {s["name"]: s["kind"] for s in settings}
    assert kinds["privacy_phone_numbers"] == "options"
    assert kinds["lookback_days"] == "integer"
    assert kinds["start_date"] == "date_iso8601"
    assert kinds["stream_maps"] == "object"


def test_project_declares_the_same_settings(definition: dict) -> None:
    """meltano.yml's inline tap-twilio definition offers every setting, secrets sensitive."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    (plugin,) = [e for e in project["plugins"]["extractors"] if e["name"] == "tap-twilio"]
    ours = {s["name"]: s for s in plugin["settings"]}
    hub = {s["name"]: s for s in definition["settings"]}
    assert set(ours) == set(hub)
    assert {n for n, s in ours.items() if s.get("sensitive")} == SECRETS
    assert sorted(plugin["capabilities"]) == definition["capabilities"]


def test_meltano_add_from_ref_installs_it_offline(tmp_path: Path, definition: dict) -> None:
    init = meltano.run(["init", "project", "--no_usage_stats"], project_root=tmp_path, capture=True)
    assert init.returncode == 0, init.stderr[-2000:]
    project = tmp_path / "project"
    added = meltano.run(
        ["add", "tap-twilio", "--from-ref", str(HUB_FILE), "--no-install"],
        project_root=project,
        capture=True,
    )
    assert added.returncode == 0, added.stderr[-2000:]
    extractors = yaml.safe_load((project / "meltano.yml").read_text())["plugins"]["extractors"]
    assert [e["name"] for e in extractors] == ["tap-twilio"]
    plugin = extractors[0]
    assert plugin["variant"] == "switchboard"
    assert plugin["pip_url"] == "switchboard-tap-twilio"
    assert plugin["namespace"] == "tap_twilio"
    assert plugin["capabilities"] == definition["capabilities"]
    assert [s["name"] for s in plugin["settings"]] == [s["name"] for s in definition["settings"]]
    assert "utilities" not in yaml.safe_load((project / "meltano.yml").read_text())["plugins"]
    listed = meltano.run(
        ["config", "list", "tap-twilio", "--all"], project_root=project, capture=True
    )
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert "product_base_urls.insights [env: TAP_TWILIO_PRODUCT_BASE_URLS_INSIGHTS]" in (
        listed.stdout
    )
