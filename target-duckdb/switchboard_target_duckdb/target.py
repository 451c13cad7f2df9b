"""target-duckdb: a Singer target that loads with DuckDB's own readers.

Rows wait on disk (one spool file per stream) and are loaded in bulk, one
transaction per batch. When a stream's spool is full, at the end of the input, and
at least every ``max_batch_age_seconds``, every stream is loaded and only then is
the last STATE received passed on: a STATE on stdout covers only committed rows.
"""

from __future__ import annotations

import itertools
import tempfile
import time
import typing as t
from pathlib import Path

import duckdb
from singer_sdk import Target
from singer_sdk import typing as th
from singer_sdk.helpers.capabilities import PluginCapabilities, TargetCapabilities
from singer_sdk.mapper import SameRecordTransform

from switchboard_target_duckdb.reader import RawRecordReader
from switchboard_target_duckdb.sink import DuckDBSink
from switchboard_target_duckdb.warehouse import Warehouse, connect

if t.TYPE_CHECKING:
    from singer_sdk.sinks import Sink

_AGE_CHECK_EVERY = 4096  # raw RECORD lines between checks of the oldest pending row's age


class TargetDuckDB(Target):
    """Singer target for DuckDB: exact decimals, upserts by key, bulk loads."""

    name = "target-duckdb"
    package_name = "switchboard-target-duckdb"
    default_sink_class = DuckDBSink

    capabilities: t.ClassVar[list] = [
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.FLATTENING,
        PluginCapabilities.STRUCTURED_LOGGING,
        PluginCapabilities.BATCH,
        PluginCapabilities.ACTIVATE_VERSION,
        TargetCapabilities.VALIDATE_RECORDS,
        TargetCapabilities.HARD_DELETE,
        TargetCapabilities.TARGET_SCHEMA,
    ]

    config_jsonschema = th.PropertiesList(
        th.Property(
            "filepath",
            th.StringType,
            required=True,
            title="Database File",
            description="Path of the DuckDB database file (created if missing).",
        ),
        th.Property(
            "default_target_schema",
            th.StringType,
            default="main",
            title="Default Target Schema",
            description="Schema of the tables, one per stream, named as the stream.",
        ),
        th.Property(
            "add_record_metadata",
            th.BooleanType,
            default=True,
            title="Add Record Metadata",
            description="Add the _sdc_* columns: _sdc_extracted_at, _sdc_batched_at, "
            "_sdc_deleted_at, _sdc_sequence and others.",
        ),
        th.Property(
            "hard_delete",
            th.BooleanType,
            default=False,
            title="Hard Delete",
            description="Delete the rows whose record has _sdc_deleted_at set (and older "
            "table versions on ACTIVATE_VERSION), instead of keeping them marked.",
        ),
        th.Property(
            "load_method",
            th.StringType(allowed_values=["upsert", "append-only", "overwrite"]),
            default="upsert",
            title="Load Method",
            description="upsert: a row replaces the row with the same primary key (streams "
            "without one are appended); append-only: every row is added; overwrite: the "
            "run's first load of a stream empties its table.",
        ),
        th.Property(
            "batch_size_rows",
            th.IntegerType,
            default=DuckDBSink.MAX_SIZE_DEFAULT,
            title="Batch Size Rows",
            description="Rows of a stream loaded per transaction, at most.",
        ),
        th.Property(
            "batch_size_mb",
            th.IntegerType,
            default=512,
            title="Batch Size (MB)",
            description="Megabytes of a stream's spooled messages loaded per transaction, at most.",
        ),
        th.Property(
            "max_batch_age_seconds",
            th.IntegerType,
            default=300,
            title="Max Batch Age (s)",
            description="At least this often, every stream is loaded and the last STATE "
            "received passed on (as when a stream's batch is full).",
        ),
        th.Property(
            "validate_records",
            th.BooleanType,
            default=False,
            title="Validate Records",
            description="Validate each record against its JSON schema in Python (slow). "
            "Off, DuckDB's typed reader still refuses a value that does not fit its column.",
        ),
        th.Property(
            "memory_limit",
            th.StringType,
            default="128MB",
            title="Memory Limit",
            description="DuckDB's memory_limit: past it, a load spills to temp_directory.",
        ),
        th.Property(
            "threads",
            th.IntegerType,
            title="Threads",
            description="DuckDB's threads (default: one per core).",
        ),
        th.Property(
            "temp_directory",
            th.StringType,
            title="Temp Directory",
            description="Where DuckDB spills; default <filepath>.tmp.",
        ),
        th.Property(
            "spool_directory",
            th.StringType,
            title="Spool Directory",
            description="Where rows wait for their load; default the system's temporary directory.",
        ),
        th.Property(
            "clean_up_batch_files",
            th.BooleanType,
            default=True,
            title="Clean Up Batch Files",
            description="Delete a BATCH message's local files once they are loaded.",
        ),
    ).to_dict()

    def __init__(self, **kwargs: t.Any) -> None:
        kwargs.setdefault("message_reader", RawRecordReader(self._take_raw_record))
        self._raw_sinks: dict[bytes, DuckDBSink] = {}  # by stream name, as bytes
        self._raw_lines = 0
        # Sequence numbers of rows: increasing in the order received, and across runs.
        self.sequence = itertools.count(time.time_ns())
        self._warehouse: Warehouse | None = None
        self._spool_directory: tempfile.TemporaryDirectory | None = None
        super().__init__(**kwargs)
        self.max_parallelism = 1  # one connection, one writer; DuckDB uses every core itself
        self._MAX_RECORD_AGE_IN_MINUTES = self.config.get("max_batch_age_seconds", 300) / 60

    # --- resources -------------------------------------------------------------------

    @property
    def warehouse(self) -> Warehouse:
        """The database, opened on first use (the first SCHEMA): a lock fails fast."""
        if self._warehouse is None:
            config = self.config
            conn = connect(
                config["filepath"],
                memory_limit=config.get("memory_limit"),
                threads=config.get("threads"),
                temp_directory=config.get("temp_directory"),
            )
            self._warehouse = Warehouse(conn, config.get("default_target_schema") or "main")
        return self._warehouse

    @property
    def exact_json_decimals(self) -> bool:
        """DuckDB 2.0's JSON reader reads numbers into DECIMAL without a double between."""
        return int(duckdb.__version__.split(".")[0]) >= 2

    @property
    def spool_directory(self) -> Path:
        if self._spool_directory is None:
            self._spool_directory = tempfile.TemporaryDirectory(
                prefix="target-duckdb-", dir=self.config.get("spool_directory")
            )
        return Path(self._spool_directory.name)

    @property
    def batch_size_bytes(self) -> int:
        return int(self.config.get("batch_size_mb") or 512) * 1_000_000

    def continue_after(self, sequence: int | None) -> None:
        """Make every later sequence number greater than ``sequence``."""
        following = next(self.sequence)
        self.sequence = itertools.count(max(following, (sequence or 0) + 1))

    # --- messages --------------------------------------------------------------------

    def _process_record_message(self, message_dict: dict) -> None:
        """The SDK's per-record path; a full batch loads every stream, then STATE goes on."""
        super()._process_record_message(message_dict)
        if any(
            isinstance(sink, DuckDBSink) and sink.batch_is_full
            for sink in self._sinks_active.values()
        ):
            self.drain_all()

    def _process_schema_message(self, message_dict: dict) -> None:
        self.warehouse  # noqa: B018  (open the file now: a lock fails before any work)
        super()._process_schema_message(message_dict)
        stream = message_dict["stream"]
        self._raw_sinks.pop(stream.encode(), None)
        maps = self.mapper.stream_maps.get(stream, [])
        plain = (
            len(maps) == 1
            and isinstance(maps[0], SameRecordTransform)
            and maps[0].stream_alias == stream
            and not maps[0].flattening_enabled
            and not self.config.get("validate_records", False)
        )
        if plain:
            sink = self.get_sink(stream)
            if isinstance(sink, DuckDBSink):
                self._raw_sinks[stream.encode()] = sink

    def _take_raw_record(self, line: bytes, stream: bytes) -> bool:
        """Spool a RECORD line as it is, when its stream needs no per-record work."""
        sink = self._raw_sinks.get(stream)
        if sink is None:
            return False
        if sink.write(line):
            self.logger.info("Target sink for '%s' is full: loading every stream", sink.stream_name)
            self.drain_all()
        self._raw_lines += 1
        if not self._raw_lines % _AGE_CHECK_EVERY:
            self._handle_max_record_age()
        return True

    def drain_sink(self, sink: Sink) -> None:
        """Load one stream's pending rows now (before its BATCH files, say)."""
        self.drain_one(sink)

    def process_endofpipe(self) -> None:
        try:
            super().process_endofpipe()
        finally:
            if self._warehouse is not None:
                self._warehouse.conn.close()
            if self._spool_directory is not None:
                self._spool_directory.cleanup()
