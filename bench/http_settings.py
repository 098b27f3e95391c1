"""The product's settings for the HTTP throughput bench, with two changes that leave every
page's work as it is:

- the URLconf adds a minimal page, the floor, so that only the bench's server has it;
- collectstatic writes the same hashed files and manifest but does not compress them: brotli
  takes a minute or more over the 28 MB of bundled API-docs scripts, and the bench fetches no
  static file.
"""

from lmns.settings import *  # noqa: F403
from lmns.storage import StaticStorage

ROOT_URLCONF = "bench.http_urls"


class UncompressedStaticStorage(StaticStorage):
    def compress_files(self, paths):
        return iter(())


STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "bench.http_settings.UncompressedStaticStorage"}}  # noqa: F405
