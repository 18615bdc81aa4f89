"""Batch paths at scale: interpretation of millions of rows and sharded virtual trials, run in
one process or on Dask. A shell around the core: it reads and writes files, the core does not."""
