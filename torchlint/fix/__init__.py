"""Apply a fix's edits to a parsed file, keeping every byte no edit touches, and show them as text edits."""
