"""Import and export of a district: one XLSX workbook or a folder of CSV files.

Sheets: towns, communities, aliases, stations, coverage, deputies, deputy_stations, meetings (see
:mod:`storage.transfer.schema`). Import validates everything first and raises
:class:`ImportRejected` with every :class:`Problem` (sheet, row, column, why); nothing is written
unless the whole file is valid.
"""

from __future__ import annotations

from .coverage_check import UnservedStation, stations_without_deputies
from .export import export_path
from .importing import import_path, validate_path
from .problems import ImportRejected, Problem
from .schema import SHEET_NAMES, SHEETS
from .validation import Dataset, Record
from .writing import write_dataset

__all__ = [
    "Dataset",
    "ImportRejected",
    "Problem",
    "Record",
    "SHEETS",
    "SHEET_NAMES",
    "UnservedStation",
    "export_path",
    "import_path",
    "stations_without_deputies",
    "validate_path",
    "write_dataset",
]
