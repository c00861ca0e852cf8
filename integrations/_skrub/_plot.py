"""A parallel-coordinates plot of a skrub search's results, one line per trial."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def parallel_coordinates(
    table: pd.DataFrame,
    *,
    metric: str,
    colorscale: str | None,
    min_score: float | None,
    show_scores: Iterable[str] | None,
    show_choices: Iterable[str] | None,
    show_times: Iterable[str] | None,
) -> Any:
    """Plot ``detailed_results_``: an axis per choice, score and time, colored by score.

    Choices whose values are text (an enumerated choice's outcome names) get one tick per
    value; numbers keep their scale.
    """
    try:
        import plotly.graph_objects as go
    except ImportError as e:
        raise ImportError(
            f'plot_results needs plotly ({e}). Install it with: pip install "parzen[plotly]"'
        ) from e
    score_column = f"mean_test_{metric}"
    if min_score is not None:
        table = table[table[score_column] >= min_score]
    choices = [c for c in table.columns if not c.startswith(("mean_", "std_"))]
    if show_choices is not None:
        wanted = list(show_choices)
        unknown = sorted(set(wanted) - set(choices))
        if unknown:
            raise ValueError(
                f"show_choices: unknown choice names {unknown}; the choices are {choices}."
            )
        choices = [c for c in choices if c in wanted]
    scores = [c for c in table.columns if c.startswith("mean_test_")]
    if show_scores is not None:
        scores = [f"mean_test_{s}" for s in show_scores]
    times = ["fit", "score"] if show_times is None else list(show_times)
    columns = choices + scores + [f"mean_{t}_time" for t in times]
    dimensions = [_dimension(table[column], column) for column in columns]
    line = {"color": table[score_column], "showscale": True}
    if colorscale is not None:
        line["colorscale"] = colorscale
    return go.Figure(go.Parcoords(line=line, dimensions=dimensions))


def _dimension(column: pd.Series, label: str) -> dict[str, Any]:
    import pandas as pd

    label = label.removeprefix("mean_test_")
    if pd.api.types.is_numeric_dtype(column):
        return {"label": label, "values": column}
    text = ["(unused)" if pd.isna(value) else str(value) for value in column]
    ticks = sorted(set(text))
    codes = [ticks.index(value) for value in text]
    return {
        "label": label,
        "values": codes,
        "tickvals": list(range(len(ticks))),
        "ticktext": ticks,
    }
