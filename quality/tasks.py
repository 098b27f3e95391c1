"""The quality app's tasks. Each keeps the name it was registered under when it lived in
lmns.tasks, so that the beat schedule and any task already waiting in the broker still find it
(jobs are sent by import path, BoardPackJob.build_task)."""

from celery import shared_task

from quality import board_packs, retention


@shared_task(name="lmns.tasks.take_quality_snapshots")
def take_quality_snapshots() -> int:
    return board_packs.snapshots_take()


# A worker process killed mid-build (out of memory, say) puts the job back on the queue
# rather than acknowledging it lost; lmns.jobs makes building it again safe.
@shared_task(name="lmns.tasks.build_board_pack", acks_late=True, reject_on_worker_lost=True)
def build_board_pack(job_id: int) -> None:
    board_packs.board_pack_job_run(job_id=job_id)


@shared_task(name="lmns.tasks.apply_retention")
def apply_retention() -> dict[str, int]:
    return retention.retention_apply()
