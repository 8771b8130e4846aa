"""Tables of the dashboard as CSV or XLSX files. Layer: dispatch; the web layer names the columns."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

Cell = str | int | float | None


def table_csv(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """UTF-8 CSV with a byte-order mark, so that spreadsheet programs read the Chinese text right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(["" if cell is None else cell for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def table_xlsx(title: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """One worksheet named `title` (cut to Excel's 31 characters), header row frozen, numbers kept numeric."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "table"
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(header) + 4))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
