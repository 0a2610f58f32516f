"""Run the rules over one file: find them, dispatch the analysis events to them, position their findings, drop
the suppressed ones, and fix the text until it is stable."""
