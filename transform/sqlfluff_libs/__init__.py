"""dbt's ``var()`` for sqlfluff's jinja templater: the project's collection vars, for real.

sqlfluff's dbt builtins answer every ``var()`` with a placeholder string, which a
model cannot iterate; the vars that hold lists or mappings (``message_statuses``)
come from ``dbt_project.yml`` here, the others stay placeholders.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_VARS = yaml.safe_load((Path(__file__).resolve().parents[1] / "dbt_project.yml").read_text())[
    "vars"
]


def var(name: str, default: Any = "") -> Any:
    value = _VARS.get(name, default)
    return value if isinstance(value, (dict, list)) else "item"
