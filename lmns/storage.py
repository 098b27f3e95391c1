from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    # Our page script imports the NHS.UK frontend as an ES module; rewrite those
    # import paths to the hashed file names too, or browsers would fetch stale code.
    support_js_module_import_aggregation = True
