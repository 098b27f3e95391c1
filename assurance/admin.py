# The Saving Babies' Lives care bundle is kept in the admin, like other reference data.
from assurance.sbl import admin  # noqa: F401
