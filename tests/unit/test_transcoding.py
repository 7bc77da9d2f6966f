"""The fast decoder reads back exactly what eventsourcing's JSON transcoder wrote."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    UUIDAsHex,
)
from hypothesis import given
from hypothesis import strategies as st

from application.transcoding import FastJSONTranscoder


def _pair() -> tuple[JSONTranscoder, FastJSONTranscoder]:
    standard, fast = JSONTranscoder(), FastJSONTranscoder()
    for transcoder in (standard, fast):
        for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
            transcoder.register(transcoding)
    return standard, fast


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**62), 2**62), st.text(max_size=8),
    st.floats(allow_nan=False, allow_infinity=False), st.uuids(),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.datetimes(timezones=st.just(UTC)),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=20)


@given(st.dictionaries(st.text(max_size=8), values, max_size=6))
def test_the_fast_decoder_reads_what_the_standard_one_reads(state: dict[str, Any]) -> None:
    standard, fast = _pair()
    stored = standard.encode(state)
    assert fast.decode(stored) == standard.decode(stored)


def test_typed_values_come_back_as_their_types_at_any_depth() -> None:
    standard, fast = _pair()
    state = {"id": uuid.uuid4(), "at": datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
             "lines": [{"price": Decimal("19.99"), "ids": [uuid.uuid4()]}]}
    assert fast.decode(standard.encode(state)) == state


def test_what_orjson_refuses_is_decoded_the_standard_way() -> None:
    standard, fast = _pair()
    decoded = fast.decode(standard.encode({"ratio": float("nan"), "big": 2**80}))
    assert math.isnan(decoded["ratio"]) and decoded["big"] == 2**80


def test_typed_values_below_the_top_are_found_beside_those_at_the_top() -> None:
    standard, fast = _pair()
    state = {"at": datetime(2026, 12, 1, tzinfo=UTC), "user": uuid.uuid4(),
             "items": [{"id": uuid.uuid4(), "price": Decimal("1.50")}]}
    assert fast.decode(standard.encode(state)) == state


def test_text_and_keys_that_look_like_typed_values_stay_as_they_are() -> None:
    standard, fast = _pair()
    state = {"at": datetime(2026, 12, 1, tzinfo=UTC),
             "note": 'a "_type_" in a string', "raw": {"_type_": "x", "other": 1}}
    stored = standard.encode(state)
    assert fast.decode(stored) == standard.decode(stored)
