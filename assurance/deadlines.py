"""The framework deadlines on the calendar (incidents.calendar). Registered by
AssuranceConfig.ready()."""

from datetime import date

from assurance.models import Deadline, Framework
from incidents.calendar.selectors import Entry, deadline_entry


def framework_entries(*, user, first: date, last: date) -> list[Entry]:
    # Published frameworks still in force: a draft's dates are not yet agreed, and a superseded
    # version's deadlines can no longer be met.
    frameworks = (
        Framework.objects.visible_to(user).assessable().exclude(pk__in=Framework.objects.superseded())
    )
    deadlines = Deadline.objects.filter(framework__in=frameworks, due_on__range=(first, last)).select_related(
        "framework"
    )
    return [
        deadline_entry(
            f"framework-deadline-{deadline.pk}",
            f"{deadline.framework.name}: {deadline.name}",
            "Framework deadline",
            deadline.due_on,
            deadline.framework.get_absolute_url(),
        )
        for deadline in deadlines.order_by("due_on", "pk")
    ]
