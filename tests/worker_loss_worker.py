"""A Celery worker for tests/test_worker_loss.py: the first workbook file it writes, it
writes and then hangs, so that the test can kill it at the worst moment, after the file is
on disk and before the job records it.

Run as ``python -m tests.worker_loss_worker NAME QUEUE SIGNAL_FILE``; the pool process that
hangs writes its pid to SIGNAL_FILE. Nothing in production code knows about this.
"""

import os
import sys
import time
from pathlib import Path


def main(name: str, queue: str, signal_file: str) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lmns.settings")
    django.setup()

    from django.core.files.storage import FileSystemStorage

    from lmns.celery import app

    write = FileSystemStorage._save

    def write_then_hang(storage, file_name, content):
        saved = write(storage, file_name, content)
        Path(signal_file).write_text(str(os.getpid()))
        time.sleep(600)  # until killed
        return saved

    # Patched before the pool forks, so the process that runs the task has it too.
    FileSystemStorage._save = write_then_hang
    app.worker_main(
        [
            "worker",
            "--hostname",
            name,
            "--queues",
            queue,
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-mingle",
        ]
    )


# Only when run as a program: imported by mistake (say, named to pytest), it would start a
# worker and write over whatever its command line's third argument names.
if __name__ == "__main__":
    main(*sys.argv[1:4])
