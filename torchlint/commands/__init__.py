"""The ``torchlint`` command line and its subcommands."""
