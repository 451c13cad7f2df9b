"""Each API's path prefix is declared once (``apis.py``) and the routes hang off it."""

from __future__ import annotations

import ast
from pathlib import Path

from starlette.routing import Mount

from twilio_emulator import apis, resources

SOURCE = Path(apis.__file__).parent


def _code_strings(path: Path) -> list[str]:
    """String literals of a module, docstrings left out (they may name the path)."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and id(node) not in docstrings
    ]  # fmt: skip


def test_the_2010_prefix_is_written_in_one_module_only() -> None:
    written = sorted(
        str(path.relative_to(SOURCE))
        for path in SOURCE.rglob("*.py")
        if any("2010-04-01" in s for s in _code_strings(path))
    )
    assert written == ["apis.py"]


def test_one_mount_per_api() -> None:
    prefixes = sorted(m.path for m in resources.mounts() if isinstance(m, Mount))
    assert prefixes == sorted([apis.API_2010, *apis.PREFIXES.values(), apis.FILES])
