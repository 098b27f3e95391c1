"""django-simple-history's ``HistoricalRecords``, with a history manager class built once.

simple-history's ``Model.history`` descriptor builds a new manager class
(``HistoryManager.from_queryset(HistoricalQuerySet)``, which walks the queryset's members with
``inspect``) on every access, and every save of a record reaches it to write its history row:
about 0.4 ms a save, most of the cost of writing the row. Every model declares its history with
this class instead, whose descriptor builds the class once.
"""

from functools import cached_property

from simple_history import models as simple_history
from simple_history.manager import HistoryDescriptor


class OneClassHistoryDescriptor(HistoryDescriptor):
    @cached_property
    def _manager_class(self):
        return self.manager_class.from_queryset(self.queryset_class)

    def __get__(self, instance, owner):
        return self._manager_class(self.model, instance)


class HistoricalRecords(simple_history.HistoricalRecords):
    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        descriptor = sender.__dict__.get(self.manager_name)
        if type(descriptor) is HistoryDescriptor:
            setattr(
                sender,
                self.manager_name,
                OneClassHistoryDescriptor(
                    descriptor.model, descriptor.manager_class, descriptor.queryset_class
                ),
            )
