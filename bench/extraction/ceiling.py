"""The simple ceiling: a bare sequential fetch-and-parse loop (``requests`` + ``json``).

    BENCH_ACCOUNT_SID=AC... BENCH_AUTH_TOKEN=... python ceiling.py http://127.0.0.1:8765

For every account, every page of Messages.json and Calls.json (1000 records a
page, no date filter: the fewest requests there can be), one after another,
each body parsed with ``json``; records are counted, nothing is written. Prints
``{"messages": n, "calls": n, "requests": n}``. It has no windows, no state and
no output, and retries only what any client of Twilio must: a 401 or 404 its
edge answers transiently, asked again. Any real extractor does more, so at 0 ms
latency it is the bar for CPU, and at 150 ms the bar a sequential reader cannot beat.
"""

from __future__ import annotations

import json
import os
import sys

import requests


def main() -> None:
    base = sys.argv[1].rstrip("/")
    session = requests.Session()
    session.auth = (os.environ["BENCH_ACCOUNT_SID"], os.environ["BENCH_AUTH_TOKEN"])
    counts = {"messages": 0, "calls": 0, "requests": 0}

    def get(url: str) -> dict:
        for _ in range(3):  # Twilio's edge answers some 401s and 404s transiently
            response = session.get(url)
            counts["requests"] += 1
            if response.status_code not in (401, 404):
                break
        response.raise_for_status()
        return json.loads(response.text)

    for account in get(f"{base}/2010-04-01/Accounts.json")["accounts"]:
        if account["status"] != "active":
            continue
        for kind, resource in (("messages", "Messages"), ("calls", "Calls")):
            url: str | None = f"{base}/2010-04-01/Accounts/{account['sid']}/{resource}.json"
            url += "?PageSize=1000"
            while url:
                page = get(url)
                counts[kind] += len(page[kind])
                url = base + page["next_page_uri"] if page["next_page_uri"] else None
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
