"""Tasks: document pipeline, recertification and retention sweeps."""

from __future__ import annotations

from celery import shared_task

__all__ = ["process_document", "recertification_sweep", "retention_sweep", "run_kyb_providers"]


@shared_task(name="sellers.tasks.process_document", acks_late=True, reject_on_worker_lost=True)
def process_document(*, document_id: int) -> None:
    from sellers.services.documents import document_process

    document_process(document_id=document_id)


@shared_task(name="sellers.tasks.run_kyb_providers", acks_late=True, reject_on_worker_lost=True)
def run_kyb_providers(*, application_id: int) -> None:
    from sellers.services.onboarding import application_kyb_annotate

    application_kyb_annotate(application_id=application_id)


@shared_task(name="sellers.tasks.recertification_sweep", acks_late=True)
def recertification_sweep() -> None:
    from sellers.services.onboarding import recertification_sweep as sweep

    sweep()


@shared_task(name="sellers.tasks.retention_sweep", acks_late=True)
def retention_sweep() -> None:
    from sellers.services.onboarding import retention_sweep as sweep

    sweep()
