"""Runtime oracle for torchlint: build a package's modules, record what escapes registration, score the linter.

Modules: :mod:`oracle.sandbox` (limits, tracing, stubs), :mod:`oracle.history` (assignment log),
:mod:`oracle.truth` (what each attribute holds when construction ends), :mod:`oracle.builders` and
:mod:`oracle.hooks` (what to build), :mod:`oracle.hf` (transformers' tiny configs), :mod:`oracle.worker` and
:mod:`oracle.pool` (worker processes), :mod:`oracle.static` (the torchlint CLI), :mod:`oracle.scoring` and
:mod:`oracle.causes` (TP/FP/FN and why), :mod:`oracle.report` (tables, markdown, JSON).
"""
