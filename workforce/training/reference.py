"""Starting staff groups for training compliance, loaded by a migration and kept in the admin.

MIS safety action 8 asks that 90% of each relevant staff group has completed each Core
Competency Framework (version 2) module in the last 12 months, judged group by group, never
as one blended figure (shared/domain.md §11, verified for Year 2's wording). The groups and
which modules apply to each are recalled from Years 5 and 6, not checked against the current
year's guidance: they are shipped unchecked, for the deployment administrator to check and
correct in the admin.
"""

SOURCE = (
    "Core Competency Framework v2 / MIS safety action 8 (domain.md 8, 11). The group list and which "
    "modules apply are recalled: check against the current MIS guidance."
)

# (code, name, fetal monitoring, maternity emergencies, newborn life support)
STAFF_GROUPS = [
    ("obstetric_consultants", "Obstetric consultants", True, True, False),
    ("obstetric_doctors_in_training", "Obstetric doctors in training", True, True, False),
    ("anaesthetists", "Anaesthetists", False, True, False),
    ("midwives", "Midwives", True, True, True),
    ("maternity_support_workers", "Maternity support workers", False, True, False),
    ("neonatal_staff", "Neonatal staff", False, False, True),
]

# The one figure per module a return held before training was counted by staff group: kept
# as it was recorded, under a name that says it is every group together, and never offered
# for a new return.
BEFORE_STAFF_GROUPS = ("before_staff_groups", "All staff groups (recorded before staff groups)")
