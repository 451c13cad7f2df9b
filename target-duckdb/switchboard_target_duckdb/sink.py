"""One stream's table: its rows spooled to disk, then loaded by DuckDB in one transaction.

RECORD lines reach the spool as the tap wrote them (``reader.py``) or, when
stream maps, flattening or validation need the SDK's per-record path, rebuilt
from the SDK's record. A drain hands the spool to DuckDB's JSON reader; BATCH
messages hand it the tap's own files (JSON lines or Parquet).
"""

from __future__ import annotations

import datetime as dt
import shutil
import typing as t
from pathlib import Path
from urllib.parse import unquote, urlparse

import duckdb
import orjson
from singer_sdk.helpers._batch import BaseBatchFileEncoding, BatchFileFormat, StorageTarget
from singer_sdk.sinks import BatchSink

from switchboard_target_duckdb.columns import Column, columns_of, literal, quote, read_type
from switchboard_target_duckdb.errors import LoadFailed
from switchboard_target_duckdb.spool import SEQUENCE_KEY, Spool
from switchboard_target_duckdb.warehouse import Load, Source

if t.TYPE_CHECKING:
    from switchboard_target_duckdb.target import TargetDuckDB

DELETED_AT = "_sdc_deleted_at"
# The largest RECORD message DuckDB's JSON reader takes (it buffers twice this).
MAX_RECORD_BYTES = 4_000_000


def _default(value: t.Any) -> t.Any:
    """Exact decimals as their digits, anything else orjson cannot write as text."""
    if hasattr(value, "as_tuple"):
        return orjson.Fragment(str(value))
    return str(value)


class DuckDBSink(BatchSink):
    """Loads one stream into ``<default_target_schema>.<stream>``."""

    MAX_SIZE_DEFAULT = 500_000

    def __init__(
        self,
        target: TargetDuckDB,
        stream_name: str,
        schema: dict,
        key_properties: t.Sequence[str] | None,
    ) -> None:
        super().__init__(target, stream_name, schema, key_properties)
        self.target = target
        self.table = stream_name
        self.properties: list[Column] = columns_of(self.original_schema, metadata=False)
        self.spool: Spool | None = None
        self._overwritten = False
        exact = target.exact_json_decimals
        fields = [f"{quote(c.name)} {read_type(c.type, exact_json_decimals=exact)}"
                  for c in self.properties]  # fmt: skip
        fields.append(f"{DELETED_AT} VARCHAR")  # the delete marker, whatever the schema says
        self._record_struct = f"STRUCT({', '.join(fields)})"
        self._batch_columns = {
            c.name: read_type(c.type, exact_json_decimals=exact) for c in self.properties
        }
        self._batch_columns.setdefault(DELETED_AT, "VARCHAR")

    # --- what the SDK asks of a sink -------------------------------------------------

    @property
    def include_sdc_metadata_properties(self) -> bool:
        """Always: the SDK's path then carries ``time_extracted`` and ``version`` along."""
        return True

    @property
    def current_size(self) -> int:
        return self.spool.rows if self.spool else 0

    @property
    def is_full(self) -> bool:
        """Never, to the SDK: a full batch loads every stream (``TargetDuckDB``), not one."""
        return False

    @property
    def batch_is_full(self) -> bool:
        return self.spool is not None and self.spool.is_full

    def process_record(self, record: dict, context: dict) -> None:
        """The SDK's path (stream maps, flattening, validation): the record as a line."""
        message = {
            "record": record,
            "time_extracted": record.get("_sdc_extracted_at"),
            "version": record.get("_sdc_table_version"),
        }
        self.write(orjson.dumps(message, default=_default), counted=True)

    def process_batch(self, context: dict) -> None:
        """Load the spool in one transaction."""
        spool, self.spool = self.spool, None
        if spool is None or spool.rows == 0:
            return
        path = spool.close()
        try:
            relation = (
                f"read_json({literal(str(path))}, format = 'newline_delimited', "
                f"maximum_object_size = {MAX_RECORD_BYTES}, "
                f"columns = {{'record': {literal(self._record_struct)}, "
                f"'time_extracted': 'VARCHAR', 'version': 'BIGINT', "
                f"{literal(SEQUENCE_KEY)}: 'BIGINT'}})"
            )
            source = Source(
                relation=relation,
                value=lambda name: f"record.{quote(name)}",
                sequence=quote(SEQUENCE_KEY),
                extracted_at="time_extracted",
                table_version="version",
            )
            since = spool.first_sequence or 0
            self._load(source, since, received_at=spool.started, what=f"{spool.rows} rows")
            fast = spool.rows - self._counted  # rows the SDK's path has not counted
            self.tally_record_read(fast)
            self.record_counter_metric.increment(fast)
            self._counted = 0
        finally:
            spool.discard()

    def process_batch_files(self, encoding: BaseBatchFileEncoding, files: t.Sequence[str]) -> None:
        """A BATCH message: the tap's files, read by DuckDB, after the rows spooled before."""
        self.target.drain_sink(self)
        paths, copies = self._local_files(files)
        try:
            listed = "[" + ", ".join(literal(str(p)) for p in paths) + "]"
            if encoding.format == BatchFileFormat.JSONL:
                columns = ", ".join(
                    f"{literal(name)}: {literal(type_)}"
                    for name, type_ in self._batch_columns.items()
                )
                compression = "gzip" if encoding.compression == "gzip" else "auto"
                relation = (
                    f"read_json({listed}, format = 'newline_delimited', "
                    f"compression = '{compression}', maximum_object_size = {MAX_RECORD_BYTES}, "
                    f"columns = {{{columns}}}) WITH ORDINALITY AS f"
                )
                present = set(self._batch_columns)
            elif encoding.format == BatchFileFormat.PARQUET:
                files_read = f"read_parquet({listed}, union_by_name = true)"
                relation = f"{files_read} WITH ORDINALITY AS f"
                present = set(self.target.warehouse.columns_of_relation(files_read))
            else:
                raise LoadFailed(f"stream {self.stream_name!r}: unknown BATCH format {encoding}")
            lowered = {name.lower(): name for name in present}
            base = next(self.target.sequence)  # the rows take base + 1, base + 2, ...

            def value(name: str) -> str | None:
                found = lowered.get(name.lower())
                return None if found is None else f"f.{quote(found)}"

            source = Source(relation=relation, value=value, sequence=f"{base} + f.ordinality")
            load = self._load(
                source,
                base,
                received_at=dt.datetime.now(dt.timezone.utc),
                what=f"{len(paths)} BATCH file(s)",
            )
            self.target.continue_after(base + load.rows)
            self.record_counter_metric.increment(load.rows)
            self.tally_record_written(load.rows - load.dropped - load.hard_deleted)
        finally:
            for copy in copies:
                copy.unlink(missing_ok=True)
        if self.config.get("clean_up_batch_files", True):
            for path in paths:
                if path not in copies:
                    path.unlink(missing_ok=True)

    def activate_version(self, new_version: int) -> None:
        """Rows of earlier versions of a full-table stream are deleted (soft or hard)."""
        self.target.drain_sink(self)
        at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
        removed = self.target.warehouse.activate_version(
            self.table, new_version, hard_delete=self.hard_delete, at=at
        )
        self.logger.info("ACTIVATE_VERSION %s: %d older rows deleted", new_version, removed)

    def setup(self) -> None:
        """The table made ready for the stream's schema (empty if no row comes); sequence
        numbers continue above the table's, whatever the clock did since."""
        super().setup()
        warehouse = self.target.warehouse
        warehouse.prepare(
            self.table,
            self.properties,
            keys=self._keys(),
            full=bool(self.config.get("add_record_metadata", True)),
        )
        self.target.continue_after(warehouse.max_sequence(self.table))

    def _keys(self) -> list[str]:
        """The primary key the load replaces rows by (none when appending)."""
        method = self.config.get("load_method", "upsert")
        return [] if method == "append-only" else list(self.key_properties)

    def clean_up(self) -> None:
        if self.spool is not None:
            self.spool.discard()
            self.spool = None
        super().clean_up()

    # --- our own --------------------------------------------------------------------

    _counted = 0  # rows the SDK's path already counted in the record metric

    def write(self, line: bytes, *, counted: bool = False) -> bool:
        """Spool one RECORD line (a Singer RECORD message) for the next load; True once full."""
        spool = self.spool
        if spool is None:
            spool = self.spool = Spool(
                self.target.spool_directory,
                self.stream_name,
                max_rows=self.max_size,
                max_bytes=self.target.batch_size_bytes,
            )
        if counted:
            self._counted += 1
        return spool.write(line, next(self.target.sequence))

    @property
    def hard_delete(self) -> bool:
        return bool(self.config.get("hard_delete", False))

    def _load(self, source: Source, since: int, *, received_at: dt.datetime, what: str) -> Load:
        method = self.config.get("load_method", "upsert")
        overwrite = method == "overwrite" and not self._overwritten
        keys = self._keys()
        metadata = None
        if self.config.get("add_record_metadata", True):
            now = dt.datetime.now(dt.timezone.utc)
            metadata = {
                "_sdc_received_at": _utc_text(received_at),
                "_sdc_batched_at": _utc_text(now),
                "_sdc_sync_started_at": str(self.sync_started_at),
            }
        try:
            load = self.target.warehouse.load(
                self.table,
                self.properties,
                source,
                since=since,
                keys=keys,
                metadata=metadata,
                hard_delete=self.hard_delete,
                overwrite=overwrite,
            )
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0]
            raise LoadFailed(
                f"stream {self.stream_name!r}: loading {what} into "
                f"{self.target.warehouse.name(self.table)} failed, nothing of it was kept: {first}"
            ) from exc
        self._overwritten = self._overwritten or overwrite
        self.logger.info(
            "Loaded %s into %s in one transaction: %d rows read, %d unchanged or sent again "
            "(kept once), %d older rows replaced, %d hard-deleted",
            what,
            self.target.warehouse.name(self.table),
            load.rows,
            load.dropped,
            load.replaced,
            load.hard_deleted,
        )
        return load

    def _local_files(self, files: t.Sequence[str]) -> tuple[list[Path], list[Path]]:
        """Local paths of a BATCH manifest; files elsewhere are copied beside the spool."""
        paths, copies = [], []
        for url in files:
            parsed = urlparse(url)
            if parsed.scheme in {"", "file"}:
                paths.append(Path(unquote(parsed.path)))
                continue
            head, tail = StorageTarget.split_url(url)
            copy = self.target.spool_directory / f"batch-{len(copies)}-{Path(tail).name}"
            with StorageTarget.from_url(head).open(tail, mode="rb") as src, copy.open("wb") as out:
                shutil.copyfileobj(src, out)
            paths.append(copy)
            copies.append(copy)
        return paths, copies


def _utc_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
