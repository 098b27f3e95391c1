"""Plain factories for imports and mappings (beside tests/factories.py)."""

from incidents.imports.mapping import presets
from incidents.imports.models import ImportMapping, ImportStatus, IncidentImport


def make_import(provider, **fields) -> IncidentImport:
    """A checked import with one problem, so that applying it is refused and changes nothing."""
    defaults = {
        "mapping_name": "datix",
        "mapping": {"columns": presets()["datix"]["columns"], "values": {}},
        "original_name": f"export-{provider.ods_code}.csv",
        "status": ImportStatus.CHECKED,
        "rows": 1,
        "problem_count": 1,
        "problems": [{"row": 2, "column": "Type", "message": "“Nonsense” is not an incident type in use."}],
    }
    return IncidentImport.objects.create(provider=provider, **{**defaults, **fields})


def make_mapping(provider, **fields) -> ImportMapping:
    preset = presets()["lfpse"]
    defaults = {
        "name": f"LFPSE at {provider.ods_code}",
        "columns": preset["columns"],
        "values": preset["values"],
    }
    return ImportMapping.objects.create(provider=provider, **{**defaults, **fields})


def import_record(world, kind: str, provider):
    """The provider's import or mapping for the access matrix, made on first use."""
    records = world.records[provider.pk]
    if kind not in records:
        records[kind] = make_import(provider) if kind == "import" else make_mapping(provider)
    return records[kind]
