"""Write tap_twilio/schemas/<stream>.json from Twilio's OpenAPI spec.

Usage: python scripts/generate_schemas.py [SPEC_DIR]
SPEC_DIR defaults to ../../shared/twilio-oai (the twilio/twilio-oai spec/json files).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tap_twilio.schema_builder import stream_schema
from tap_twilio.streams import STREAM_TYPES

HERE = Path(__file__).resolve().parent
SCHEMAS = HERE.parent / "tap_twilio" / "schemas"
DEFAULT_SPEC_DIR = HERE.parents[2] / "shared" / "twilio-oai"


def main() -> int:
    spec_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SPEC_DIR
    specs: dict[str, dict] = {}
    for stream in STREAM_TYPES:
        spec_file, component = stream.spec
        if spec_file not in specs:
            specs[spec_file] = json.loads((spec_dir / f"{spec_file}.json").read_text())
        schema = stream_schema(
            specs[spec_file], component, stream.omitted_fields, stream.added_fields
        )
        target = SCHEMAS / f"{stream.name}.json"
        target.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {target.relative_to(HERE.parent)} ({len(schema['properties'])} fields)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
