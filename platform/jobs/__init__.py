"""Background work shared by every app: job status, progress, claiming, dispatch."""
