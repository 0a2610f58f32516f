"""Suppression comments: flake8's ``# noqa`` and torchlint's own directives, read from source and written by
``--add-noqa``."""
