"""Tasks that belong to no single app."""

from celery import shared_task


@shared_task(ignore_result=False, time_limit=120)
def environment_probe() -> dict[str, str]:
    """What a worker sees: proves torch and the standard library's platform coexist."""
    import platform

    import torch

    return {"system": platform.system(), "torch": torch.__version__}
