"""The fix-proof harness: torchlint's fixes applied to real packages, and the fixed models built, run, saved and
reloaded beside the originals (see run.py)."""
