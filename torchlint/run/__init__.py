"""Run a check over many files: one file as a unit of work, on several cores, answered from the cache when
nothing changed."""
