"""Import the CSV files of docs/datasets.md: check every row, then write them all at once."""
import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text, update
from sqlalchemy.exc import OperationalError

from dashboard import audit
from dashboard.importing import rollups
from dashboard.importing.orders import TrackingWriter
from dashboard.importing.reading import FileScan, Refused, chunks, read_header, scan_file
from dashboard.importing.schemas import DATASETS, FILE_NAMES
from dashboard.importing.validation import ImportProblem, Problems, check_chunk
from dashboard.importing.writers import (ImportContext, InfluencerWriter, PayoutWriter,
                                         PostWriter, timed)
from dashboard.extensions import db
from models import (Brand, Campaign, DailyFact, DataState, ImportBatch, Influencer, Order,
                    Payout, Post)

# What an import writes: the tables whose statistics it refreshes.
IMPORTED_TABLES = tuple(model.__tablename__ for model in (
    Influencer, Brand, Campaign, Post, Order, Payout, DailyFact))

log = logging.getLogger(__name__)

# Enough to fix a file by; the rest of a garbage file is only counted, never held in memory.
MAX_LISTED_PROBLEMS = 1000
MAX_LISTED_WARNINGS = 20
# Postgres advisory lock key every import takes: any constant, the same in every process.
IMPORT_LOCK_KEY = 72_011_905_250_001
BUSY_MESSAGE = "Another import is running. Try again when it has finished."


class UsageError(Exception):
    """The call itself is wrong (no dataset for a file, no CSV in a folder); nothing was read."""


@dataclass(frozen=True)
class ImportLimits:
    """What one import may read and where it keeps files: given by its caller, never looked up."""
    max_bytes: int | None  # a bigger file is refused unread; None: no limit
    chunk_rows: int  # rows read, checked and written at a time: bounds the memory used
    uploads_dir: str  # every imported file is kept here, named by its SHA-256

    @classmethod
    def from_app(cls, app):
        """The limits an app is configured with (MAX_UPLOAD_MB, IMPORT_CHUNK_ROWS)."""
        return cls(max_bytes=app.config["MAX_CONTENT_LENGTH"],
                   chunk_rows=int(app.config["IMPORT_CHUNK_ROWS"]),
                   uploads_dir=os.path.join(app.instance_path, "uploads"))


@dataclass
class ImportFile:
    path: str
    # The name users see (an upload's original name); default: the file's base name.
    name: str | None = None
    dataset: str | None = None

    def __post_init__(self):
        if self.name is None:
            self.name = os.path.basename(self.path)


@dataclass
class FileReport:
    file: str
    dataset: str
    rows: int
    new: int
    updated: int
    unchanged: int
    warnings: list[str]
    sha256: str
    batch_id: int | None
    unlisted_warnings: int = 0

    def warn(self, text):
        """Keep the first warnings; the rest are counted (see finish_warnings)."""
        if len(self.warnings) < MAX_LISTED_WARNINGS:
            self.warnings.append(text)
        else:
            self.unlisted_warnings += 1

    def finish_warnings(self):
        if self.unlisted_warnings:
            self.warnings.append(f"and {self.unlisted_warnings:,} more warnings like these.")
            self.unlisted_warnings = 0

    def summary(self) -> str:
        text = (f"{self.file} ({self.dataset}): {self.rows:,} rows: {self.new:,} new, "
                f"{self.updated:,} updated, {self.unchanged:,} unchanged.")
        for warning in self.warnings:
            text += f" Warning: {warning}"
        return text


@dataclass
class ImportResult:
    files: list[FileReport]
    errors: list[ImportProblem]
    dry_run: bool

    @property
    def ok(self) -> bool:
        return not self.errors


def import_paths(paths, *, limits, dataset=None, dry_run=False, username=None,
                 checkpoint=True) -> ImportResult:
    """Import files or folders (a folder: the four known file names inside it)."""
    files = []
    for path in paths:
        if os.path.isdir(path):
            found = [os.path.join(path, name) for name in FILE_NAMES
                     if os.path.isfile(os.path.join(path, name))]
            if not found:
                raise UsageError(
                    f"The folder {path} holds none of {', '.join(FILE_NAMES)}, so there is "
                    "nothing to import.")
            files.extend(ImportFile(found_path) for found_path in found)
        else:
            files.append(ImportFile(path, dataset=dataset))
    return import_files(files, limits=limits, dry_run=dry_run, username=username,
                        checkpoint=checkpoint)


def import_files(files, *, limits, dry_run=False, username=None,
                 checkpoint=True) -> ImportResult:
    """Check and import these files all or nothing, in dependency order, in one transaction.

    A dry run does the same work and counts, then rolls back. Nothing is written when any
    file has a problem; a non-dry run then records the failed batches on their own.
    checkpoint=False leaves copying SQLite's log into the database file to the caller
    (checkpoint_database), once the import has returned.
    """
    if not files:
        raise UsageError("No file was given to import.")
    jobs = sorted((_Job(file, _dataset_of(file)) for file in files),
                  key=lambda job: DATASETS.index(job.dataset))
    problems = Problems(MAX_LISTED_PROBLEMS)
    uploads_dir = None
    if not dry_run:
        uploads_dir = limits.uploads_dir
        os.makedirs(uploads_dir, exist_ok=True)
    for job in jobs:
        with timed(f"check and store {job.file.name}"):
            job.scan = scan_file(job, limits.max_bytes, uploads_dir, problems)

    reports = []
    busy = False
    try:
        with db.transaction() as session:
            _lock_imports(session)
            context = ImportContext(session, problems, limits.chunk_rows)
            for job in jobs:
                with timed(f"read and write {job.file.name}"):
                    reports.append(_import_one(context, job, username))
            if problems.count or dry_run:
                raise _Abort()
            _finish(context, reports, username)
            committing = time.perf_counter()
        log.info("Import step 'commit' took %.2f s", time.perf_counter() - committing)
        if checkpoint:
            checkpoint_database()
    except _Abort:
        pass
    except _Busy:
        busy = True
        reports = []
        problems.add("", None, None, BUSY_MESSAGE)
    errors = problems.listed()
    # A refusal for a busy database leaves no trace: writing one would wait for the lock too.
    if errors and not dry_run and not busy:
        _record_failures(jobs, problems, username)
    if errors or dry_run:
        for report in reports:
            report.batch_id = None
    return ImportResult(files=reports, errors=errors, dry_run=dry_run)


class _Abort(Exception):
    """Roll back the import transaction: a dry run, or problems were found."""


class _Busy(Exception):
    """Another import held the database's write lock for longer than we wait."""


def _lock_imports(session):
    """Take the write lock before reading anything, so concurrent imports run one at a time.

    Reading first and writing later lets two imports both decide a campaign is new and
    then collide on its unique name. SQLite: BEGIN IMMEDIATE waits for the busy timeout.
    Postgres: a transaction-scoped advisory lock, released by the commit or rollback,
    waits for the statement timeout.
    """
    connection = session.connection()
    try:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({IMPORT_LOCK_KEY})")
        elif connection.connection.driver_connection.in_transaction:
            # The session has already begun: a write takes the lock just as well.
            connection.execute(update(DataState).values(version=DataState.version))
        else:
            # Every id the import writes was looked up or created in this same transaction,
            # so SQLite's parent lookups (five for each order row) prove nothing and cost
            # about a quarter of the insert. The pragma only takes effect outside a
            # transaction; the engine turns it back on when the connection is returned.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            # The commit would also copy the whole write-ahead log into the database file
            # (8 s at 10M orders): checkpoint_database does it after, and may be deferred.
            connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    except OperationalError as error:
        raise _Busy() from error


def checkpoint_database():
    """Copy SQLite's write-ahead log into the database file (a no-op on Postgres).

    Readers are never blocked by it; without it, the next commit of any connection would
    do it, a web request's included.
    """
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            with timed("checkpoint"):
                connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")


def _dataset_of(file):
    if file.dataset:
        if file.dataset not in DATASETS:
            raise UsageError(f"Unknown dataset {file.dataset!r}: use one of "
                             f"{', '.join(DATASETS)}.")
        return file.dataset
    dataset = FILE_NAMES.get(os.path.basename(file.name).lower())
    if dataset is None:
        raise UsageError(
            f"Cannot tell which dataset {file.name} holds from its name: name it one of "
            f"{', '.join(FILE_NAMES)} or give the dataset (--dataset).")
    return dataset


@dataclass
class _Job:
    file: ImportFile
    dataset: str
    scan: FileScan | None = None
    batch: ImportBatch | None = None

def _import_one(context, job, username):
    """Check and write one file inside the shared transaction; return its report."""
    session = context.session
    report = FileReport(file=job.file.name, dataset=job.dataset, rows=0, new=0, updated=0,
                        unchanged=0, warnings=[], sha256=job.scan.sha256, batch_id=None)
    if job.scan.refused:
        return report
    job.batch = ImportBatch(username=username, file_name=job.file.name,
                            sha256=job.scan.sha256, dataset=job.dataset, status="committed",
                            stored_path=job.scan.stored_path)
    session.add(job.batch)
    session.flush()
    report.batch_id = job.batch.id
    problems = context.problems
    before = problems.by_file[job.file.name]
    try:
        header = read_header(job, problems)
        for warning in header.warnings:
            report.warn(warning)
        if problems.by_file[job.file.name] > before:
            return report
        writer = _WRITERS[job.dataset](context, job, report)
        for rows, lines in chunks(job, header, context.chunk_rows):
            checked = check_chunk(job, rows, lines, problems)
            report.rows += len(lines)
            writer.write(checked)
        writer.close()
        if report.rows == 0:
            problems.add(job.file.name, None, None,
                         "The file has a header but no rows of data.")
    except Refused as refusal:
        problems.add(job.file.name, refusal.line, None, str(refusal))
    finally:
        report.finish_warnings()
    return report


def _finish(context, reports, username):
    """Counts on each batch, derived tables, the data version and the audit event."""
    session = context.session
    for report in reports:
        batch = session.get(ImportBatch, report.batch_id)
        batch.rows_total, batch.rows_new = report.rows, report.new
        batch.rows_updated, batch.rows_unchanged = report.updated, report.unchanged
    session.flush()
    if context.changed_influencers:
        with timed("rebuild daily facts"):
            rollups.rebuild(session, sorted(context.changed_influencers))
        with timed("refresh planner statistics"):
            _refresh_planner_statistics(session)
    state = session.get(DataState, 1)
    if state is None:
        state = DataState(id=1, version=0)
        session.add(state)
    # A new version only for new data: every cached result, each host's snapshot and the
    # planner's fits are per version, and an upload of rows already there (a scheduled
    # re-send of the same export) would throw them all away for the same numbers.
    if (context.changed_influencers or any(r.new or r.updated for r in reports)
            or not state.version):
        state.version = (state.version or 0) + 1
        state.updated_at = datetime.utcnow()
    session.add(audit.event("import", username=username, detail="; ".join(
        f"{r.file} ({r.dataset}): {r.rows:,} rows, {r.new:,} new, {r.updated:,} updated, "
        f"{r.unchanged:,} unchanged" for r in reports)))


def _refresh_planner_statistics(session):
    """Tell the query planner how big the tables now are.

    Without fresh statistics Postgres plans the dashboard's aggregations for the empty
    tables it last saw (2 s instead of 0.3 s at a million orders). Both databases sample,
    so this stays cheap however large the import. On Postgres only the tables an import
    writes: a bare ANALYZE also visits the catalogs shared by every database of the
    server, and waits behind another database's CREATE or DROP.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA analysis_limit=1000"))
        session.execute(text("ANALYZE"))
        return
    session.execute(text(f"ANALYZE {', '.join(IMPORTED_TABLES)}"))


def _record_failures(jobs, problems, username):
    """Keep a trace of a refused import (its own small transaction; the data is untouched)."""
    with db.transaction() as session:
        for job in jobs:
            session.add(ImportBatch(
                username=username, file_name=job.file.name, sha256=job.scan.sha256,
                dataset=job.dataset, status="failed",
                error_count=problems.by_file[job.file.name],
                stored_path=job.scan.stored_path))
        session.add(audit.event("import_failed", username=username, detail="; ".join(
            f"{job.file.name}: {problems.by_file[job.file.name]:,} problem(s)"
            for job in jobs)))

_WRITERS = {
    "influencers": InfluencerWriter,
    "posts": PostWriter,
    "tracking_data": TrackingWriter,
    "payouts": PayoutWriter,
}
