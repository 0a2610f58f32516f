"""pytest plugin: the ``torchlint_record`` fixture.

Models built in a test that uses the fixture are recorded, so :func:`torchlint.testing.assert_registered`
names the file and line of every assignment it reports::

    def test_model_state_is_registered(torchlint_record):
        model = MyModel(config)
        assert_registered(model)

Loading the plugin imports neither torch nor the rest of torchlint's runtime until the fixture is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from torchlint.runtime.recording import Recording


@pytest.fixture
def torchlint_record() -> Iterator[Recording]:
    """Record module construction for the duration of the test; yields the :class:`Recording`."""
    from torchlint.runtime.recording import record

    with record() as recording:
        yield recording
