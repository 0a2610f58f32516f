"""torchlint: find PyTorch module state that escapes ``nn.Module`` registration.

Importing this package never imports torch; only :mod:`torchlint.runtime` does, and only when used.
"""

__version__ = "0.1.0"
