"""The daily batch: prices -> valuations -> security analytics -> portfolio snapshots."""
