"""layouts/components.py: table rows as the grid receives them."""
from datetime import date

import numpy as np
import pandas as pd

from layouts import components


def test_table_rows_are_plain_values_with_none_for_every_kind_of_gap():
    frame = pd.DataFrame({
        "name": pd.Series(["Asha", None], dtype=str),
        "revenue": [1500.5, np.nan],
        "orders": [3, 4],
        "day": pd.to_datetime(["2024-01-01", None]),
        "roas": pd.Series([None, 2.0], dtype=object),
        "first_post": [date(2024, 1, 2), None],
        "posts": pd.array([1, None], dtype="Int64"),
        "paying_back": [True, False]})
    rows = components.records(frame)
    assert rows == [
        {"name": "Asha", "revenue": 1500.5, "orders": 3, "day": "2024-01-01", "roas": None,
         "first_post": "2024-01-02", "posts": 1, "paying_back": True},
        {"name": None, "revenue": None, "orders": 4, "day": None, "roas": 2.0,
         "first_post": None, "posts": None, "paying_back": False}]
    # Python's own numbers, which every JSON encoder writes.
    assert [type(value) for value in rows[0].values()] == [
        str, float, int, str, type(None), str, int, bool]
    assert components.records(frame.head(0)) == []
