"""The one palette of the dashboard and the report: colours, fonts and chart sizes.

Colours are Okabe and Ito's, which stay apart for colour-blind readers: each product
gets its own hue (voice orange, WhatsApp green, SMS blue, ...), and a product keeps
its colour on every chart. The report's stylesheet and every Altair chart read their
colours from here, so the two cannot drift apart.
"""

from __future__ import annotations

PRODUCTS = ("sms", "mms", "whatsapp", "voice", "phone_numbers", "other")
PRODUCT_LABELS = {
    "sms": "SMS",
    "mms": "MMS",
    "whatsapp": "WhatsApp",
    "voice": "Voice",
    "phone_numbers": "Phone numbers",
    "other": "Other",
}
PRODUCT_COLORS = {
    "sms": "#0072B2",  # blue
    "mms": "#CC79A7",  # reddish purple
    "whatsapp": "#009E73",  # bluish green
    "voice": "#E69F00",  # orange
    "phone_numbers": "#56B4E9",  # sky blue
    "other": "#999999",  # grey
}
# Directions are one thing in two shades, apart from every product's hue.
DIRECTION_COLORS = {"Outbound": "#3F4F8C", "Inbound": "#A3B1E0"}
DELIVERY = "#009E73"
MINUTES = PRODUCT_COLORS["voice"]
LATENCY = "#0072B2"
GOOD = "#1B7A3A"
BAD = "#B3261E"
WARN = "#8A5A00"
TEXT = "#262730"
MUTED = "#6B6F76"
GRID = "#E6E6E6"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"

# Heights that show the shape of 120 daily bars; every chart is as wide as its page.
HEIGHT = 300
TALL = 340
BAR_ROW = 24  # one row of a horizontal bar chart


def vega_config() -> dict:
    """Fonts, axes and grid for every chart (what a Streamlit theme would otherwise set)."""
    return {
        "font": FONT,
        "background": "#FFFFFF",
        "view": {"stroke": None},
        "title": {"fontSize": 15, "fontWeight": 600, "color": TEXT, "anchor": "start"},
        "axis": {
            "labelColor": TEXT,
            "titleColor": MUTED,
            "gridColor": GRID,
            "domainColor": MUTED,
            "tickColor": MUTED,
            "labelFontSize": 12,
            "titleFontSize": 12,
            "titleFontWeight": 500,
        },
        "legend": {"labelColor": TEXT, "titleColor": MUTED, "labelFontSize": 12, "orient": "top"},
    }


def css() -> str:
    """The report's stylesheet, in the same colours and font as the charts."""
    return f"""
body {{ font-family: {FONT}; margin: 2rem auto; max-width: 1200px; color: {TEXT};
  padding: 0 1.5rem; }}
h1 {{ margin-bottom: 0.2rem; }} h2 {{ margin-top: 2.2rem; }}
.meta, .caption {{ color: {MUTED}; margin-top: 0; }}
.chart {{ width: 100%; margin: 1.5rem 0; }}
.cards {{ display: flex; flex-wrap: wrap; gap: 0.8rem; margin: 1rem 0; }}
.card {{ border: 1px solid {GRID}; border-radius: 0.5rem; padding: 0.7rem 1rem;
  min-width: 11rem; }}
.card .label {{ color: {MUTED}; font-size: 0.85rem; }}
.card .value {{ font-size: 1.6rem; font-weight: 600; margin: 0.2rem 0; }}
.card .delta {{ font-size: 0.85rem; color: {MUTED}; }}
table {{ border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }}
th, td {{ border: 1px solid {GRID}; padding: 0.3rem 0.6rem; text-align: left; }}
th {{ background: #F6F7F9; font-weight: 600; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.ok {{ color: {GOOD}; }} .off {{ color: {BAD}; }} .flag {{ color: {WARN}; }}
"""
