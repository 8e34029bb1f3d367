"""A source format defined outside the package, as another extension would: a CSV file of
datasets (`id,name,title`). The tests register it through the entry point group."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from ckanext.syncsource.sources import Record, SourceAccess, SourceError, SourceFormat
from ckanext.syncsource.sources.source_formats import ENTRY_POINT_GROUP

NAME = "csvcat"


def _read(access: SourceAccess) -> Iterator[Record]:
    _, file = access.open_file("CSV")
    text = io.TextIOWrapper(access.reopener(file)(), encoding="utf-8")
    for line, row in enumerate(csv.DictReader(text), start=2):
        if not row.get("id"):
            raise SourceError(f"line {line}: no id")
        yield Record("dataset", row["id"], dict(row))


CSV_CATALOGUE = SourceFormat(_read, suffixes=(".csv",))


def register(directory, target: str = f"{__name__}:CSV_CATALOGUE") -> None:
    """Declare the format in an installed-package record under `directory` (put it on
    sys.path): what `pip install` of a package with this entry point leaves behind."""
    info = directory / "syncsource_csv_format-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: syncsource-csv-format\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{NAME} = {target}\n")
