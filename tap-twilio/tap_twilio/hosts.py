"""Which base URL serves each Twilio API: the 2010 API and the product APIs.

Twilio's hosts are ``https://<product>.twilio.com``; a region and an edge turn
them into ``https://<product>.<edge>.<region>.twilio.com``, as Twilio's helper
libraries do (an edge without a region means region ``us1``). A base URL set
explicitly (``base_url`` for the 2010 API, ``product_base_urls`` for the
others, or ``twilio_base_url`` for all, each product under ``/<product>``) is
used as is: region and edge never rewrite it. Which products there are is
the streams' business (``tap_twilio.streams.PRODUCTS``): it is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from tap_twilio.errors import ConfigError

API = "api"  # the 2010 REST API (api.twilio.com/2010-04-01)

_REGION = re.compile(r"^[a-z]{2}[0-9]$")  # us1, ie1, au1, jp1, ...
_EDGE = re.compile(r"^[a-z]+(-[a-z]+)*$")  # ashburn, dublin, sydney, sao-paulo, ...
_URL = re.compile(r"^https?://[^/\s]+(/\S*)?$")


def twilio_url(host: str, *, region: str | None = None, edge: str | None = None) -> str:
    """``https://<host>[.<edge>][.<region>].twilio.com``."""
    if edge and not region:
        region = "us1"
    return "https://" + ".".join(part for part in (host, edge, region, "twilio.com") if part)


def setting_for(host: str, config: Mapping[str, Any]) -> str:
    """The setting that decides ``host``'s base URL, for error messages."""
    shared = "twilio_base_url" if config.get("twilio_base_url") else "region/edge"
    if host == API:
        return "base_url" if config.get("base_url") else shared
    if (config.get("product_base_urls") or {}).get(host):
        return f"product_base_urls.{host}"
    return shared


def base_urls(config: Mapping[str, Any], products: Sequence[str]) -> dict[str, str]:
    """The base URL of the 2010 API (``api``) and of each of ``products`` (by host name),
    from the tap's settings.

    Raises ConfigError, naming the setting, for a malformed region, edge or URL.
    """
    region = config.get("region") or None
    edge = config.get("edge") or None
    if region is not None and not _REGION.match(region):
        raise ConfigError(f"region {region!r} is not a Twilio region such as 'us1', 'ie1' or 'au1'")
    if edge is not None and not _EDGE.match(edge):
        raise ConfigError(f"edge {edge!r} is not a Twilio edge such as 'ashburn' or 'dublin'")
    overrides = dict(config.get("product_base_urls") or {})
    unknown = sorted(set(overrides) - set(products))
    if unknown:
        raise ConfigError(
            f"product_base_urls has unknown product {unknown[0]!r}; known: {', '.join(products)}"
        )
    shared = config.get("twilio_base_url")
    if shared:
        if not _URL.match(shared):
            raise ConfigError(f"twilio_base_url {shared!r} is not an http(s) URL")
        for product in products:
            overrides.setdefault(product, f"{shared.rstrip('/')}/{product}")
    overrides[API] = config.get("base_url") or shared
    result = {}
    for host in (API, *products):
        url = overrides.get(host)
        if url:
            if not _URL.match(url):
                setting = "base_url" if host == API else f"product_base_urls.{host}"
                raise ConfigError(f"{setting} {url!r} is not an http(s) URL")
            result[host] = url.rstrip("/")
        else:
            result[host] = twilio_url(host, region=region, edge=edge)
    return result
