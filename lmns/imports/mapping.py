"""Column mappings shared by every import: matching headings, and a mapping as plain text,
which anyone can edit in a textarea without a special widget."""

from django.core.exceptions import ValidationError


def normalise_heading(heading) -> str:
    return " ".join(str(heading).split()).casefold()


def columns_to_text(columns: dict) -> str:
    return "\n".join(f"{heading} = {field}" for heading, field in columns.items())


def values_to_text(values: dict) -> str:
    return "\n".join(
        f"{field}: {label} = {value}" for field, labels in values.items() for label, value in labels.items()
    )


def _split(line: str, separator: str, number: int, shape: str) -> list[str]:
    left, found, right = line.rpartition(separator)
    if not found or not left.strip() or not right.strip():
        raise ValidationError(f"Line {number} should read “{shape}”.")
    return [left.strip(), right.strip()]


def columns_from_text(text: str) -> dict:
    columns = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            heading, field = _split(line, "=", number, "Their heading = our field")
            columns[heading] = field
    return columns


def values_from_text(text: str) -> dict:
    values: dict[str, dict] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            label_part, value = _split(line, "=", number, "our field: their label = our value")
            field, found, label = label_part.partition(":")
            if not found or not label.strip():
                raise ValidationError(f"Line {number} should read “our field: their label = our value”.")
            values.setdefault(field.strip(), {})[label.strip()] = value
    return values
