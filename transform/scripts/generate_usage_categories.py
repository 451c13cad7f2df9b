"""Write seeds/usage_categories.csv: Twilio's usage categories, their parent and product.

Usage: python transform/scripts/generate_usage_categories.py [CATEGORIES_TXT]
CATEGORIES_TXT defaults to ../shared/twilio-oai/usage_categories.txt (one category a
line, the list Twilio documents for Usage Records).

Twilio publishes no machine-readable hierarchy, but its category names encode one:
``calls-inbound-local`` is part of ``calls-inbound``, which is part of ``calls``, which
is part of ``totalprice``. A category's parent is the longest other category that
prefixes it (up to a hyphen), else ``totalprice``. The seed is then reviewed by hand:
edit the CSV (not this script) when Twilio's bill says otherwise.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = HERE.parent / "seeds" / "usage_categories.csv"
DEFAULT_SOURCE = HERE.parents[2] / "shared" / "twilio-oai" / "usage_categories.txt"
TOTAL = "totalprice"

# First matching prefix wins: the product a category's spend is reported under.
PRODUCTS = (
    ("shortcodes-messages", "sms"),
    ("smsmessages", "sms"),
    ("sms", "sms"),
    ("mms", "mms"),
    ("channels-whatsapp", "whatsapp"),
    ("calls", "voice"),
    ("voice", "voice"),
    ("trunking", "voice"),
    ("phonenumbers", "phone_numbers"),
    ("shortcodes", "phone_numbers"),
)


def product_of(category: str) -> str:
    for prefix, product in PRODUCTS:
        if category == prefix or category.startswith(prefix + "-"):
            return product
    return "other"


def parent_of(category: str, known: set[str]) -> str | None:
    if category == TOTAL:
        return None
    parts = category.split("-")
    for end in range(len(parts) - 1, 0, -1):
        candidate = "-".join(parts[:end])
        if candidate in known:
            return candidate
    return TOTAL


def depth_of(category: str, parents: dict[str, str | None]) -> int:
    depth = 0
    while parents[category] is not None:
        category = parents[category]  # type: ignore[assignment]
        depth += 1
    return depth


def main() -> int:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    known = {line.strip() for line in source.read_text().splitlines() if line.strip()}
    known.add(TOTAL)
    parents = {c: parent_of(c, known) for c in known}
    with SEED.open("w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["category", "parent_category", "product"])
        for category in sorted(known):
            writer.writerow([category, parents[category] or "", product_of(category)])
    deepest = max(depth_of(c, parents) for c in known)
    print(f"wrote {SEED.relative_to(HERE.parent)}: {len(known)} categories, depth {deepest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
