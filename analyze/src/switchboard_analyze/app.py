"""The Switchboard dashboard: Overview, Delivery health, Customers and Live, on the snapshot.

Run it with ``make dashboard`` (``python -m switchboard_analyze.serve``). Each page has
its own URL (``/``, ``/delivery``, ``/customers``, ``/live``) and keeps its filters in
the query string, so a link shows its reader what its sender saw. Pages read only the
snapshot the pipeline publishes after each build (``SWITCHBOARD_SNAPSHOT``, default
``output/warehouse.snapshot.duckdb``), through one short read-only connection per
page view, so the dashboard never holds the file ``meltano run`` writes.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

# Not pages/: Streamlit would list a pages/ folder beside app.py as pages of its own.
PAGES = Path(__file__).with_name("views")
# (script, title, URL path): the navigation, in order; the first is served at "/".
# No icons: Streamlit fetches ":material/...:" icons from Google's servers, and the
# dashboard works offline.
NAVIGATION = (
    ("overview.py", "Overview", "overview"),
    ("delivery.py", "Delivery health", "delivery"),
    ("customers.py", "Customers", "customers"),
    ("live.py", "Live", "live"),
)

st.set_page_config(page_title="Switchboard", layout="wide")
st.sidebar.title("Switchboard")
st.navigation(
    [
        st.Page(PAGES / script, title=title, url_path=url, default=not index)
        for index, (script, title, url) in enumerate(NAVIGATION)
    ]
).run()
