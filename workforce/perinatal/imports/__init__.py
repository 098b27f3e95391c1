"""Importing monthly returns (workforce and perinatal figures) from a spreadsheet: one row per
site and month, through a saved column mapping, checked with the return form's rules, previewed,
and applied all or nothing. The file handling, bounds and import record are shared with the
incident import (lmns.imports)."""
