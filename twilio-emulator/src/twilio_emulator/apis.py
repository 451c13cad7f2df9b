"""Where each API is served: its path prefix, declared here once.

The 2010 API keeps Twilio's own path (``/2010-04-01``); each product API is served
under a prefix standing for its host (``https://monitor.twilio.com`` is
``/monitor``). ``app.py`` mounts every resource module under its API's prefix;
resources render absolute paths from the same constants.
"""

from __future__ import annotations

API_VERSION = "2010-04-01"
API_2010 = f"/{API_VERSION}"
ADMIN = "/_emulator"

# Product API -> the path prefix that stands for its host (https://monitor.twilio.com).
PREFIXES = {
    product: f"/{product}"
    for product in (
        "monitor",
        "messaging",
        "conversations",
        "studio",
        "verify",
        "trunking",
        "insights",
        "taskrouter",
        "pricing",
        "bulkexports",
    )
}
# Where BulkExport's day files are downloaded from: on Twilio, presigned links to its
# file store (S3); here a path of this port, outside every API (no Twilio auth).
FILES = "/bulkexport-files"
