"""The Meltano Hub definition of the `switchboard` variant of tap-twilio.

It must pass the Hub's lint rules (yamllint: keys in alphabetical order, block
style, no document start), carry the Hub's required metadata, list exactly the
settings `tap-twilio --about` reports (sorted, secrets sensitive), and add with
`meltano add --from-ref` into a fresh Meltano project. Then, as a new user would:
the tap and the loader added from their Hub definitions, installed from the wheels
`make dist` builds (standing in for PyPI: the definitions name the PyPI
distributions), and `meltano run tap-twilio target-duckdb` against an emulator.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from yamllint import config as yamllint_config
from yamllint import linter

from switchboard import dist, meltano
from switchboard.emulated import running_emulator

ROOT = Path(__file__).resolve().parents[1]
HUB_FILE = ROOT / "tap-twilio" / "hub" / "tap-twilio--switchboard.yml"
LOADER_HUB_FILE = ROOT / "target-duckdb" / "hub" / "target-duckdb--switchboard.yml"
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


def test_meltano_add_from_ref_adds_it_offline(tmp_path: Path, definition: dict) -> None:
    project = new_project(tmp_path)
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


def succeeded(result: subprocess.CompletedProcess[str]) -> str:
    """The output of a command that must succeed; its last lines if it did not."""
    output = result.stdout + result.stderr
    assert result.returncode == 0, "\n".join(output.splitlines()[-40:])
    return output


def new_project(parent: Path) -> Path:
    """``meltano init``: a new user's empty project."""
    init = ["init", "project", "--no_usage_stats"]
    succeeded(meltano.run(init, project_root=parent, capture=True))
    return parent / "project"


def with_pip_url(hub_file: Path, pip_url: str, folder: Path) -> Path:
    """A copy of a Hub definition that installs ``pip_url`` instead of its PyPI name."""
    definition: dict[str, Any] = yaml.safe_load(hub_file.read_text())
    definition["pip_url"] = pip_url
    copy = folder / hub_file.name
    copy.write_text(yaml.safe_dump(definition, sort_keys=True, allow_unicode=True))
    return copy


COUNT_ROWS = """
import duckdb, json, sys
with duckdb.connect(sys.argv[1], read_only=True) as conn:
    tables = conn.execute("select schema_name, table_name from duckdb_tables()").fetchall()
    counts = {t: conn.execute(f'select count(*) from "{s}"."{t}"').fetchall() for s, t in tables}
print(json.dumps({table: rows[0][0] for table, rows in counts.items()}))
"""


def table_counts(project: Path, warehouse: Path) -> dict[str, int]:
    """Rows per table, read with the DuckDB the loader installed: the file is in its format,
    which may be newer than the project's (the definition does not pin DuckDB)."""
    python = project / ".meltano" / "loaders" / "target-duckdb" / "venv" / "bin" / "python"
    result = subprocess.run(
        [str(python), "-c", COUNT_ROWS, str(warehouse)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    succeeded(result)
    return json.loads(result.stdout)


@pytest.mark.e2e
def test_hub_definitions_install_the_built_wheels_and_load(
    tmp_path: Path, built_packages: Path
) -> None:
    """``meltano init``; tap and loader added from their Hub definitions with the built
    wheels as ``pip_url``; ``meltano install``; ``meltano run tap-twilio target-duckdb``
    lands exactly the emulator's accounts and messages."""
    project = new_project(tmp_path)
    for plugin_type, name, hub_file, folder in (
        ("extractor", "tap-twilio", HUB_FILE, "tap-twilio"),
        ("loader", "target-duckdb", LOADER_HUB_FILE, "target-duckdb"),
    ):
        ref = with_pip_url(hub_file, str(dist.wheel(built_packages, folder)), tmp_path)
        add = ["add", "--plugin-type", plugin_type, name, "--from-ref", str(ref), "--no-install"]
        succeeded(meltano.run(add, project_root=project, capture=True))
    for stream in ("accounts", "messages"):  # a few streams: the point is the install
        succeeded(
            meltano.run(["select", "tap-twilio", stream, "*"], project_root=project, capture=True)
        )
    succeeded(meltano.run(["install"], project_root=project, capture=True, timeout=900))

    warehouse = tmp_path / "warehouse.duckdb"
    with running_emulator(
        days=3, messages_per_day=40, calls_per_day=10, customers=60, now="2026-11-20T12:00:00Z"
    ) as emulator:
        env = {
            "TAP_TWILIO_ACCOUNT_SID": emulator.account_sid,
            "TAP_TWILIO_AUTH_TOKEN": emulator.auth_token,
            "TAP_TWILIO_BASE_URL": emulator.url,
            "TAP_TWILIO_PRODUCTS_BASE_URL": emulator.url,
            "TAP_TWILIO_START_DATE": "2026-11-01",
            "TARGET_DUCKDB_FILEPATH": str(warehouse),
        }
        run = ["run", "tap-twilio", "target-duckdb"]
        succeeded(meltano.run(run, env=env, project_root=project, capture=True, timeout=600))
        truth = emulator.truth()

    counts = table_counts(project, warehouse)
    assert counts["accounts"] == len(truth["accounts"])
    assert counts["messages"] == sum(a["messages"]["total"] for a in truth["accounts"].values())
    assert counts["messages"] > 0
    assert "calls" not in counts, "only the selected streams are read"
