from django.apps import AppConfig


class QualityConfig(AppConfig):
    """What composes the feature apps: the quality view, its snapshots and board packs, Home's
    work counts, retention, demo and load data. It sits above incidents, assurance and
    workforce, and none of them imports it."""

    name = "quality"
    label = "quality"
    verbose_name = "Quality view"

    def ready(self):
        from quality import retention  # noqa: F401  (registers its settings check)
