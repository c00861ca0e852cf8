"""Study.trials_dataframe: the trials as a pandas DataFrame."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from parzen.study import Study

_NESTED = ("params", "user_attrs", "system_attrs", "intermediate_values", "distributions")


def trials_dataframe(study: Study, attrs: tuple[str, ...], multi_index: bool) -> pd.DataFrame:
    try:
        import pandas as pd
    except ImportError as e:
        raise ImportError(
            "Study.trials_dataframe needs pandas: pip install 'parzen[pandas]'."
        ) from e

    trials = study.get_trials(deepcopy=False)
    value_names = _value_column_names(study)
    rows: list[dict[tuple[str, str], Any]] = []
    for trial in trials:
        row: dict[tuple[str, str], Any] = {}
        for attr in attrs:
            if attr in ("value", "values"):
                values = trial.values
                if len(value_names) == 1 and value_names[0] == "":
                    row[("value", "")] = None if values is None else values[0]
                else:
                    for i, name in enumerate(value_names):
                        row[("values", name)] = None if values is None else values[i]
            elif attr in _NESTED:
                nested = getattr(trial, attr)
                for key, value in nested.items():
                    row[(attr, str(key))] = value
            elif attr == "state":
                row[("state", "")] = trial.state.name
            else:
                row[(attr, "")] = getattr(trial, attr)
        rows.append(row)

    columns: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for row in rows:
        for column in row:
            if column not in seen:
                seen.add(column)
                columns.append(column)
    order = {a: i for i, a in enumerate(attrs)}
    order.setdefault("values", order.get("value", len(order)))
    columns.sort(key=lambda c: (order.get(c[0], len(order)), c[1] if c[0] in _NESTED else ""))
    frame = pd.DataFrame(rows, columns=pd.MultiIndex.from_tuples(columns) if columns else None)
    if not multi_index and columns:
        frame.columns = ["_".join(part for part in c if part) for c in columns]
    return frame


def _value_column_names(study: Study) -> list[str]:
    names = study.metric_names
    if names is not None:
        return list(names)
    if study._is_multi_objective():
        return [str(i) for i in range(len(study.directions))]
    return [""]
