"""Entry point for ``python -m torchlint``."""

try:
    from torchlint.commands.cli import main
except KeyboardInterrupt:  # Ctrl-C while starting up: the exit status of an interrupted run, no traceback
    raise SystemExit(130) from None

raise SystemExit(main())
