"""Reference lists (incident types, themes, staff groups, FTSU categories...), the base of every
app's: deployment-wide entries (no LMNS) are kept by the deployment administrator; an LMNS's
safety leads may add entries of their own LMNS, which no other LMNS sees (issue 18)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from lmns.access import lmnss_for
from lmns.models import Lmns


class ReferenceQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def active_or(self, current):
        """The choices for editing a record: active entries, and any it already holds, so that
        saving an edit never quietly drops a link to an entry retired since."""
        return self.filter(models.Q(is_active=True) | models.Q(pk__in=current))

    def available_to(self, lmns):
        """Deployment-wide entries and ``lmns``'s own: what a record of that LMNS may use."""
        return self.filter(Q(lmns__isnull=True) | Q(lmns=lmns))

    def visible_to(self, user):
        """Deployment-wide entries and those of the LMNSs ``user`` belongs to."""
        if user.is_superuser:
            return self.all()
        return self.filter(Q(lmns__isnull=True) | Q(lmns__in=lmnss_for(user)))


class ReferenceEntry(models.Model):
    lmns = models.ForeignKey(
        Lmns,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="LMNS",
        help_text="Empty for an entry every LMNS uses; otherwise only this LMNS sees it.",
    )

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        abstract = True

    def available_in(self, lmns_id: int) -> bool:
        return self.lmns_id is None or self.lmns_id == lmns_id

    def clean(self):
        super().clean()
        # A local copy of a deployment-wide entry would split the counts of one thing in two.
        same_name = type(self).objects.filter(name__iexact=self.name).exclude(pk=self.pk)
        if self.lmns_id is not None:
            same_name = same_name.filter(Q(lmns__isnull=True) | Q(lmns_id=self.lmns_id))
        if same_name.exists():
            raise ValidationError({"name": "An entry with this name is already in use here."})


class CodedReferenceEntry(ReferenceEntry):
    """An entry of a reference list that records store by its code.

    The code is what a record holds, so it never changes once the entry exists; the label,
    order and source note are corrected as the published guidance is read. An entry is
    retired (not deleted) when the guidance drops it, so the records that hold it keep it.
    """

    code = models.SlugField(
        max_length=30,
        unique=True,
        help_text="What records store. It cannot be changed once the entry is saved.",
    )
    label = models.CharField(max_length=120)
    source = models.CharField(max_length=300, blank=True, help_text="Where this entry comes from.")
    order = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers are listed first.")
    is_active = models.BooleanField(
        "Can be chosen", default=True, help_text="Retired entries stay readable on old records only."
    )

    class Meta:
        abstract = True
        ordering = ["order", "label"]

    def __str__(self):
        return self.label

    def clean(self):
        # ReferenceEntry's duplicate check is by name; these lists are known by their labels.
        same_label = type(self).objects.filter(label__iexact=self.label).exclude(pk=self.pk)
        if self.lmns_id is not None:
            same_label = same_label.filter(Q(lmns__isnull=True) | Q(lmns_id=self.lmns_id))
        if same_label.exists():
            raise ValidationError({"label": "An entry with this label is already in use here."})
