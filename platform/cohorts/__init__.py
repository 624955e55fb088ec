"""Cohort registration, ingestion, QC and the train/holdout split."""
