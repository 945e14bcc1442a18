"""Importing the four CSV datasets: check every row, then write them all in one transaction."""
from dashboard.importing.pipeline import (DATASETS, FILE_NAMES, SCHEMAS, FileReport, ImportFile,
                                          ImportProblem, ImportResult, UsageError, import_files,
                                          import_paths)

__all__ = ["DATASETS", "FILE_NAMES", "SCHEMAS", "FileReport", "ImportFile", "ImportProblem",
           "ImportResult", "UsageError", "import_files", "import_paths"]
