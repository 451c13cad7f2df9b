"""One module per Twilio resource: how it renders and which routes serve it.

Each module exposes ``ROUTES``; ``app.py`` mounts them all. Adding a resource is
adding a module here and listing it in ``ALL``.
"""

from . import accounts, calls, messages, phone_numbers, usage

ALL = (accounts, messages, calls, phone_numbers, usage)
