"""torchlint's rules, one module per rule; each module defines ``RULE`` and documents it in its docstring."""
