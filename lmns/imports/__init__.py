"""What every spreadsheet import shares: reading files within bounds (parsing), the import's
record from upload to apply and its private file (models), column mappings as text (mapping),
problems by row (outcome), and handing work to Celery (runs).

Each import (incidents.imports, workforce.perinatal.imports) keeps its own fields and rules.
"""
