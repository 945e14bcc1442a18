"""One page of a large table for a grid that asks the server for its rows: AG Grid's
infinite row model sends the rows it wants with its sort and filter model, and gets back
those rows and how many there are, so nobody is sent thousands of rows at once."""
import pandas as pd

# A grid asks for a page (or a block) at a time; no request gets more than this many rows.
MAX_ROWS_PER_REQUEST = 500
NUMBER_TESTS = {
    "equals": lambda values, x: values == x,
    "notEqual": lambda values, x: values != x,
    "lessThan": lambda values, x: values < x,
    "lessThanOrEqual": lambda values, x: values <= x,
    "greaterThan": lambda values, x: values > x,
    "greaterThanOrEqual": lambda values, x: values >= x,
}
TEXT_TESTS = {
    "contains": lambda values, x: values.str.contains(x, regex=False),
    "notContains": lambda values, x: ~values.str.contains(x, regex=False),
    "equals": lambda values, x: values == x,
    "notEqual": lambda values, x: values != x,
    "startsWith": lambda values, x: values.str.startswith(x),
    "endsWith": lambda values, x: values.str.endswith(x),
}


def page_of(frame: pd.DataFrame, request, columns) -> tuple[pd.DataFrame, int]:
    """(the requested rows of `frame`, how many rows pass the grid's filters).

    Only `columns` (the grid's own) may be sorted or filtered on; anything else in the
    request is ignored, as is a filter the grid could not have sent. Without a sort the
    rows keep the frame's order, the order the table shows them in.
    """
    request = request if isinstance(request, dict) else {}
    allowed = set(columns) & set(frame.columns)
    rows = frame
    filters = request.get("filterModel")
    for column, model in (filters.items() if isinstance(filters, dict) else ()):
        if column in allowed and isinstance(model, dict):
            rows = rows[_passes(rows[column], model).fillna(False).astype(bool)]
    sort = [item for item in (request.get("sortModel") or [])
            if isinstance(item, dict) and item.get("colId") in allowed
            and item.get("sort") in ("asc", "desc")]
    if sort:
        rows = rows.sort_values(
            [item["colId"] for item in sort], ascending=[item["sort"] == "asc" for item in sort],
            kind="stable", na_position="last",
            key=_sort_key)
    start = _whole(request.get("startRow"), 0)
    end = min(_whole(request.get("endRow"), start + 100), start + MAX_ROWS_PER_REQUEST)
    return rows.iloc[start:max(start, end)], len(rows)


def _passes(values, model):
    """Which values pass one column's filter model (simple, or conditions joined)."""
    conditions = model.get("conditions")
    if isinstance(conditions, list) and conditions:
        results = [_passes(values, condition) for condition in conditions
                   if isinstance(condition, dict)]
        combined = results[0]
        for result in results[1:]:
            combined = (combined | result) if model.get("operator") == "OR" else (
                combined & result)
        return combined
    kind, wanted = model.get("type"), model.get("filter")
    if kind == "blank":
        return values.isna()
    if kind == "notBlank":
        return values.notna()
    if model.get("filterType") == "number":
        numbers = pd.to_numeric(values, errors="coerce").astype("float64")
        try:
            wanted = float(wanted)
        except (TypeError, ValueError):
            return pd.Series(True, index=values.index)
        if kind == "inRange":
            try:
                upper = float(model.get("filterTo"))
            except (TypeError, ValueError):
                return pd.Series(True, index=values.index)
            return (numbers >= wanted) & (numbers <= upper)
        test = NUMBER_TESTS.get(kind)
        return test(numbers, wanted) if test else pd.Series(True, index=values.index)
    if not isinstance(wanted, str):
        return pd.Series(True, index=values.index)
    test = TEXT_TESTS.get(kind)
    if test is None:
        return pd.Series(True, index=values.index)
    # AG Grid's text filters ignore case.
    return test(values.astype(str).str.lower(), wanted.lower())


def _sort_key(values):
    """Text sorts as the grid sorts it, ignoring case."""
    if pd.api.types.is_numeric_dtype(values):
        return values
    return values.map(lambda value: value.lower() if isinstance(value, str) else value)


def _whole(value, default):
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return default
