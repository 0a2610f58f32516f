"""What every stage speaks: the rule contract (``Rule``, ``Finding``, ``Fix``), the edits a fix is made of, and
positioned diagnostics."""
