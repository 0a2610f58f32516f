"""Entry point for ``python -m torchlint``."""

from torchlint.cli import main

raise SystemExit(main())
