"""Streamlit pieces every page uses: tables with their download, headline figures, charts."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd
import streamlit as st

from switchboard_analyze import formats, tables
from switchboard_analyze.formats import Figure
from switchboard_analyze.tables import Col

ROW_HEIGHT = 35  # Streamlit's table rows
FORMATS = {"count": "localized", "rate": "%.2f%%", "number": "%.2f"}


def _column_config(columns: Sequence[Col]) -> dict:
    config = {}
    for col in tables.shown(columns):
        if col.kind in FORMATS:
            config[col.label] = st.column_config.NumberColumn(
                width=col.width, help=col.help, format=FORMATS[col.kind]
            )
        else:
            config[col.label] = st.column_config.TextColumn(
                width=col.width,
                help=col.help,
                alignment="right" if col.kind in ("money", "duration") else None,
            )
    return config


def table(
    frame: pd.DataFrame,
    columns: Sequence[Col],
    key: str,
    countries: dict[str, str] | None = None,
    *,
    selectable: bool = False,
    on_select: object = "ignore",
    download: pd.DataFrame | None = None,
) -> object:
    """A table as it reads, every row on screen (no scrolling box), and a CSV of its
    exact values (of ``download`` when the table shows one page of it)."""
    shown = tables.readable(frame, columns, countries)
    height = ROW_HEIGHT * (len(shown) + 1) + 3 if len(shown) else "auto"
    event = st.dataframe(
        shown,
        hide_index=True,
        column_config=_column_config(columns),
        placeholder=formats.MISSING,
        height=height,
        key=f"{key}-table" if selectable else None,
        on_select=on_select if selectable else "ignore",  # type: ignore[arg-type]
        selection_mode="single-row",
    )
    st.download_button(
        "Download CSV (exact)",
        tables.csv(frame if download is None else download, columns),
        file_name=f"{key}.csv",
        mime="text/csv",
        key=f"{key}-csv",
        on_click="ignore",
        help="Every row of this table, exact amounts (five decimals) and rates",
    )
    return event


def figures(items: Sequence[Figure], per_row: int = 4) -> None:
    """Headline numbers in rows; the exact value is in each one's help."""
    for start in range(0, len(items), per_row):
        cols = st.columns(per_row)
        for col, item in zip(cols, items[start : start + per_row], strict=False):
            col.metric(
                item.label,
                item.value,
                delta=item.delta,
                delta_color=item.delta_color,  # type: ignore[arg-type]
                help=item.exact or None,
                border=True,
            )


def chart(spec: alt.Chart | None) -> None:
    """Drawn with the shared palette (not Streamlit's theme), as the report draws it."""
    if spec is not None:
        st.altair_chart(spec, width="stretch", theme=None)
