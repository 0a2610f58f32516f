"""The analysis of module classes: walk what construction runs, infer what each value is, and report each state
change as an event for the rules; project-wide knowledge of other files' classes and helpers."""
