"""Importing the four CSV datasets: check every row, then write them all in one transaction."""
from dashboard.importing.pipeline import (FileReport, ImportFile, ImportLimits, ImportResult,
                                          UsageError, checkpoint_database, import_files,
                                          import_paths)
from dashboard.importing.schemas import DATASETS, EXAMPLE_ROWS, FILE_NAMES, SCHEMAS
from dashboard.importing.validation import ImportProblem

__all__ = ["DATASETS", "EXAMPLE_ROWS", "FILE_NAMES", "SCHEMAS", "FileReport", "ImportFile",
           "ImportLimits", "ImportProblem", "ImportResult", "UsageError", "checkpoint_database", "import_files",
           "import_paths"]
