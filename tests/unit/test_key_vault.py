"""The key vault's bulk warm-up cannot resurrect a key destroyed while it read."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from adapters.keyvault import SqlKeyVault


class _RacingStore:
    """A view store whose bulk read of the keys sees a key that is destroyed before the read
    returns, as when an erasure commits while a replay warms the vault."""

    def __init__(self) -> None:
        self.vault: SqlKeyVault | None = None
        self.rows = {"ada": "11" * 32, "bob": "22" * 32}

    @contextmanager
    def transaction(self) -> Iterator[_RacingStore]:
        yield self

    read = transaction

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        if sql.startswith("DELETE"):
            self.rows.pop(params[0], None)
        return 0

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        material = self.rows.get(params[0])
        return None if material is None else (material,)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[str, str]]:
        read = list(self.rows.items())
        assert self.vault is not None
        self.vault.destroy("bob")  # committed after the read, before it is cached
        return read


def test_a_key_destroyed_while_the_vault_warms_up_stays_destroyed() -> None:
    store = _RacingStore()
    vault = SqlKeyVault(store)  # type: ignore[arg-type]
    store.vault = vault
    vault.warm()
    assert vault.key("ada") == bytes.fromhex("11" * 32)
    assert vault.key("bob") is None
