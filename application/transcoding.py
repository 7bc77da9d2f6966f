"""Decoding stored events fast: a replay spends most of its time turning stored JSON back
into events.

The stored format is eventsourcing's own (``JSONTranscoder``: custom types as
``{"_type_": name, "_data_": value}``), written as before; only reading changes. orjson parses
the document without calling back into Python for every object, then one walk revives the
typed values. Anything orjson refuses (``NaN``, integers beyond 64 bits, which the standard
library accepts) is decoded the standard way, so every stored event still loads.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Transcoding, UUIDAsHex


class CachedUUIDAsHex(UUIDAsHex):
    """UUIDs are immutable and the same few (a user's, an order's) recur in every event about
    them: decode each hex string once."""

    @staticmethod
    @functools.lru_cache(maxsize=262_144)
    def _parse(data: str) -> uuid.UUID:
        return uuid.UUID(data)

    def decode(self, data: str) -> uuid.UUID:
        return self._parse(data)


TYPED = b'"_type_"'  # how every typed value's object starts; a string cannot hold it unescaped


def _decoder(transcoding: Transcoding) -> Callable[[str], Any]:
    """The function that decodes ``transcoding``'s data: the library's own for times (its
    method only adds an assertion), else the transcoding's method."""
    if type(transcoding) is DatetimeAsISO:
        return datetime.fromisoformat
    return transcoding.decode


class FastJSONTranscoder(JSONTranscoder):
    _decoders: dict[str, Callable[[str], Any]] | None = None  # by name, built on first use

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        self._decoders = None

    def decode(self, data: bytes) -> Any:
        try:
            parsed = orjson.loads(data)
        except orjson.JSONDecodeError:
            return super().decode(data)
        if type(data) is not bytes:
            data = bytes(data)
        typed = data.count(TYPED)
        if typed == 0:
            return parsed
        if type(parsed) is dict and self._revive_top(parsed) == typed:
            # Every typed value sat at the top (an event's ids and times): no walk needed.
            return parsed
        return self._revive(parsed)

    def _revive_top(self, state: dict[str, Any]) -> int:
        """Decodes the typed values among ``state``'s own values; returns how many. Counted
        against the stored bytes' ``"_type_"`` keys, it tells whether a walk is needed."""
        decoders = self._decoders
        if decoders is None:
            decoders = self._decoders = {name: _decoder(t) for name, t in self.names.items()}
        found = 0
        for key, item in state.items():
            if type(item) is dict and len(item) == 2:
                name, data = item.get("_type_"), item.get("_data_")
                if type(data) is str and type(name) is str:
                    decode = decoders.get(name)
                    if decode is not None:
                        state[key] = decode(data)
                        found += 1
        return found

    def _revive(self, value: Any) -> Any:
        """``value`` with every ``{"_type_", "_data_"}`` object decoded, innermost first
        (what ``JSONDecoder(object_hook=...)`` does while parsing)."""
        if type(value) is list:
            return [self._revive(item) if type(item) is dict or type(item) is list else item
                    for item in value]
        names = self.names
        for key, item in value.items():
            kind = type(item)
            if kind is dict:
                # Most nested objects are typed scalars (an id, a time): decode them here.
                if len(item) == 2 and "_type_" in item and type(item.get("_data_")) is str:
                    transcoding = names.get(item["_type_"])
                    if transcoding is not None:
                        value[key] = transcoding.decode(item["_data_"])
                        continue
                # The rest are mostly flat (metadata, snapshots): look inside only when
                # something there could need reviving.
                for inner in item.values():
                    if type(inner) is dict or type(inner) is list:
                        value[key] = self._revive(item)
                        break
                else:
                    if len(item) == 2 and "_type_" in item and "_data_" in item:
                        value[key] = self._decode_obj(item)
            elif kind is list:
                value[key] = self._revive(item)
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            return self._decode_obj(value)
        return value
