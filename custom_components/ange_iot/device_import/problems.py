"""What can be wrong with an import file, as a translation key plus its placeholders."""

from __future__ import annotations


class ImportProblem(ValueError):
    """A device file that cannot be imported; nothing of it is applied.

    ``reason`` becomes the translation key ``import_<reason>``; ``row`` is the row number
    as the installer sees it in the spreadsheet (the header is row 1), or None for the file
    as a whole. Placeholders never carry a suspected personal identity number.
    """

    def __init__(self, reason: str, *, row: int | None = None, **placeholders: str) -> None:
        """Name the reason, the row and what the message needs."""
        self.reason = reason
        self.row = row
        self.placeholders: dict[str, str] = dict(placeholders)
        if row is not None:
            self.placeholders["row"] = str(row)
        super().__init__(f"{reason} (row {row}): {placeholders}" if row else f"{reason}: {placeholders}")

    @property
    def translation_key(self) -> str:
        """The key under ``exceptions`` (actions) and ``error`` (the options flow)."""
        return f"import_{self.reason}"
