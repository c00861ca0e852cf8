"""The dashboard on a large study: time of the study page's API calls, parzen's dashboard
beside optuna-dashboard, both over HTTP on 127.0.0.1 in this process.

Run: python benchmarks/bench_dashboard.py [--trials 10000] [--repeat 3] [--storage memory]
     [--optuna-repeat N]

``--trials 100000`` is the scale of the targets (study page cold under 1 s, each plot under
2 s). optuna-dashboard needs minutes per run at that size: ``--optuna-repeat 1`` runs it once
while parzen runs ``--repeat`` times; ``--optuna-repeat 0`` skips it.

The same trials (8 parameters: floats, a log-scaled float, an int, a categorical; 10
intermediate values each; two user attributes; 75% COMPLETE, 20% PRUNED, 5% FAIL) go into a
parzen study and an Optuna study. Then, for each dashboard:

- "page, cold": every request the study page makes, right after the server starts (the
  dashboard reads the storage for the first time);
- "page, warm": the same requests again, nothing having changed;
- "poll, no change": the request the page repeats every few seconds while open;
- "page after +20 trials": the page's requests after 20 more trials finished.

parzen's study page asks for the study summary, six plots' data and one page of 200 table
rows, all reduced on the server (``/api/studies/0``, ``.../plots/{history,intermediate,
parallel,slice,importance,terminator}``, ``.../trials?limit=200``), and polls the summary
with If-None-Match. Each of those requests is also timed alone, as the first request of a
fresh server (the worst case of one plot), and so is the Pareto-front plot of a copy of the
trials with two objectives (study 1, not part of study 0's page).

optuna-dashboard's page (0.21) asks for every trial (``/api/studies/0?after=0``) and the
parameter importances, draws its plots in the browser from all trials, and polls
``/api/studies/0?after=N``. Both get ``Accept-Encoding: gzip``. Time is wall-clock until the
body is received (median and range over ``--repeat`` fresh servers); the bytes received
tell what the browser then has to parse. In "page after +20 trials"
parzen may serve the importances of a moment before (it rebuilds an expensive plot at most
once per ten times its build time, and the page asks again until it is current); the other
plots and the table are current.

optuna-dashboard is optional: ``pip install optuna-dashboard``; without it only parzen runs.
"""

from __future__ import annotations

import argparse
import gzip
import math
import os
import statistics
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import numpy as np

PARZEN_PAGE = [
    "api/studies/0",
    "api/studies/0/plots/history",
    "api/studies/0/plots/intermediate",
    "api/studies/0/plots/parallel",
    "api/studies/0/plots/slice",
    "api/studies/0/plots/importance",
    "api/studies/0/plots/terminator",
    "api/studies/0/trials?limit=200",
]
PARZEN_PARETO = "api/studies/1/plots/pareto?x=0&y=1"
PARZEN_TABLE_QUERY = (
    "api/studies/0/trials?limit=200&sort=param:lr&order=desc&state=COMPLETE"
    "&filters=%5B%7B%22column%22%3A%22value%3A0%22%2C%22op%22%3A%22%3C%22%2C%22value%22%3A%220.5%22%7D%5D"
)


# -- data ----------------------------------------------------------------------------------


def make_trials(n: int, seed: int = 0) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    trials = []
    for i in range(n):
        params: dict[str, Any] = {f"x{j}": float(rng.uniform(-5, 5)) for j in range(5)}
        params["lr"] = float(10 ** rng.uniform(-5, -1))
        params["layers"] = int(rng.integers(1, 9))
        params["opt"] = str(rng.choice(["adam", "sgd", "rmsprop", "adagrad"]))
        loss = sum(v * v for k, v in params.items() if k.startswith("x")) / 50
        loss += abs(math.log10(params["lr"]) + 3) * 0.1 + 0.01 * params["layers"]
        u = rng.uniform()
        state = "COMPLETE" if u < 0.75 else "PRUNED" if u < 0.95 else "FAIL"
        steps = 10 if state != "FAIL" else 0
        curve = {s: loss + (1.0 - loss) * math.exp(-0.4 * (s + 1)) for s in range(steps)}
        trials.append(
            {
                "params": params,
                "state": state,
                "value": float(loss) if state == "COMPLETE" else None,
                "intermediate": curve,
                "user_attrs": {"epoch": steps, "tag": f"run-{i % 17}"},
            }
        )
    return trials


def fill(module: Any, study: Any, trials: list[dict[str, Any]], n_objectives: int = 1) -> None:
    d = module.distributions
    dists = {f"x{j}": d.FloatDistribution(-5, 5) for j in range(5)}
    dists["lr"] = d.FloatDistribution(1e-5, 1e-1, log=True)
    dists["layers"] = d.IntDistribution(1, 8)
    dists["opt"] = d.CategoricalDistribution(["adam", "sgd", "rmsprop", "adagrad"])
    frozen = []
    for t in trials:
        state = getattr(module.trial.TrialState, t["state"])
        values = None
        if n_objectives == 2 and t["value"] is not None:
            # A second objective that trades off against the first: fewer layers is cheaper.
            values = [t["value"], float(t["params"]["layers"]) + abs(t["params"]["x0"])]
        frozen.append(
            module.trial.create_trial(
                state=state,
                value=t["value"] if n_objectives == 1 else None,
                values=values,
                params=t["params"],
                distributions=dists,
                user_attrs=t["user_attrs"],
                intermediate_values=t["intermediate"],
            )
        )
    study.add_trials(frozen)


def parzen_storage(kind: str, directory: str) -> Any:
    import parzen

    if kind == "memory":
        return parzen.storages.InMemoryStorage()
    from parzen.storages.journal import JournalFileBackend, JournalStorage

    return JournalStorage(JournalFileBackend(os.path.join(directory, f"parzen-{time.time()}.log")))


def optuna_storage(kind: str, directory: str) -> Any:
    import optuna

    if kind == "memory":
        return optuna.storages.InMemoryStorage()
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    return JournalStorage(JournalFileBackend(os.path.join(directory, f"optuna-{time.time()}.log")))


# -- HTTP ----------------------------------------------------------------------------------


def get(url: str, etag: str | None = None) -> tuple[int, int, str | None]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    if etag:
        request.add_header("If-None-Match", etag)
    try:
        with urllib.request.urlopen(request) as response:
            body = response.read()
            if response.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            return response.status, len(body), response.headers.get("ETag")
    except urllib.error.HTTPError as e:
        if e.code == 304:
            return 304, 0, etag
        raise


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def page(base: str, paths: list[str]) -> tuple[int, dict[str, str | None], dict[str, float]]:
    """Request ``paths`` in turn: bytes received, each path's ETag and time."""
    total = 0
    etags = {}
    times = {}
    for path in paths:
        start = time.perf_counter()
        status, size, etag = get(base + path)
        times[path] = time.perf_counter() - start
        assert status == 200, (path, status)
        total += size
        etags[path] = etag
    return total, etags, times


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingWSGIServer(WSGIServer):
    daemon_threads = True


def serve_optuna_dashboard(storage: Any) -> tuple[str, Callable[[], None]]:
    import optuna_dashboard

    app = optuna_dashboard.wsgi(storage)
    httpd = make_server(
        "127.0.0.1", 0, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()

    def stop() -> None:
        httpd.shutdown()
        httpd.server_close()

    return f"http://127.0.0.1:{httpd.server_address[1]}/", stop


# -- runs ----------------------------------------------------------------------------------


def run_parzen(
    kind: str, trials: list[dict[str, Any]], extra: list[dict[str, Any]], directory: str
) -> dict[str, Any]:
    import parzen
    from parzen.dashboard import start_server

    storage = parzen_storage(kind, directory)
    study = parzen.create_study(storage=storage, study_name="bench")
    fill(parzen, study, trials)
    multi = parzen.create_study(
        storage=storage, study_name="bench-mo", directions=["minimize", "minimize"]
    )
    fill(parzen, multi, trials, n_objectives=2)
    # Each request alone, as the first one of a fresh server: the worst case of that plot.
    alone = {}
    for path in [*PARZEN_PAGE, PARZEN_PARETO]:
        server = start_server(storage, refresh_interval=0.0)
        try:
            alone[path], _ = timed(lambda: get(server.url + path))  # noqa: B023
        finally:
            server.stop()
    # refresh_interval=0: every request reads the storage's news, as the page's first
    # request after the default 1 s throttle would.
    server = start_server(storage, refresh_interval=0.0)
    try:
        base = server.url
        cold, (size, etags, in_page) = timed(lambda: page(base, PARZEN_PAGE))
        warm, _ = timed(lambda: page(base, PARZEN_PAGE))
        poll, (status, _, _) = timed(lambda: get(base + PARZEN_PAGE[0], etags[PARZEN_PAGE[0]]))
        assert status == 304, status
        table, _ = timed(lambda: get(base + PARZEN_TABLE_QUERY))
        fill(parzen, study, extra)
        after, _ = timed(lambda: page(base, PARZEN_PAGE))
    finally:
        server.stop()
    result = {
        "cold": cold,
        "warm": warm,
        "poll": poll,
        "after": after,
        "table": table,
        "bytes": size,
    }
    result.update({("in page", path): t for path, t in in_page.items()})
    result.update({("alone", path): t for path, t in alone.items()})
    return result


def run_optuna(
    kind: str, trials: list[dict[str, Any]], extra: list[dict[str, Any]], directory: str
) -> dict[str, Any]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = optuna_storage(kind, directory)
    study = optuna.create_study(storage=storage, study_name="bench")
    fill(optuna, study, trials)
    paths = ["api/studies/0?after=0", "api/studies/0/param_importances"]
    base, stop = serve_optuna_dashboard(storage)
    try:
        cold, (size, _, _) = timed(lambda: page(base, paths))
        warm, _ = timed(lambda: page(base, paths))
        n = len(trials)
        poll, _ = timed(lambda: get(base + f"api/studies/0?after={n}"))
        fill(optuna, study, extra)
        after, _ = timed(lambda: page(base, paths))
    finally:
        stop()
    return {"cold": cold, "warm": warm, "poll": poll, "after": after, "table": None, "bytes": size}


def summarize(runs: list[dict[str, Any]]) -> dict[Any, tuple[float, float, float] | None]:
    """Per measurement: (median, min, max) over the runs; None where not measured."""
    summary: dict[Any, tuple[float, float, float] | None] = {}
    for key in runs[0]:
        if runs[0][key] is None:
            summary[key] = None
        else:
            xs = [r[key] for r in runs]
            summary[key] = (statistics.median(xs), min(xs), max(xs))
    return summary


def _ms(span: tuple[float, float, float]) -> str:
    median, low, high = (1000 * x for x in span)
    return f"{median:8.0f} [{low:.0f}-{high:.0f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--optuna-repeat",
        type=int,
        default=None,
        help="runs of optuna-dashboard (default: --repeat; 0 skips it)",
    )
    parser.add_argument("--storage", choices=["memory", "journal"], default="memory")
    args = parser.parse_args()
    optuna_repeat = args.repeat if args.optuna_repeat is None else args.optuna_repeat

    import parzen

    parzen.logging.set_verbosity(parzen.logging.WARNING)
    trials = make_trials(args.trials)
    extra = make_trials(20, seed=1)
    try:
        import optuna_dashboard  # noqa: F401

        have_optuna_dashboard = optuna_repeat > 0
    except ImportError:
        have_optuna_dashboard = False
        print("optuna-dashboard is not installed (pip install optuna-dashboard): parzen only.")

    with tempfile.TemporaryDirectory() as directory:
        ours = summarize(
            [run_parzen(args.storage, trials, extra, directory) for _ in range(args.repeat)]
        )
        theirs = (
            summarize(
                [run_optuna(args.storage, trials, extra, directory) for _ in range(optuna_repeat)]
            )
            if have_optuna_dashboard
            else None
        )

    print(
        f"Study page API on {args.trials} trials ({args.storage} storage); parzen over "
        f"{args.repeat} fresh servers"
        + (f", optuna-dashboard over {optuna_repeat}" if theirs is not None else "")
        + "; times in ms, median [min-max]"
    )
    print(f"{'':30}{'parzen':>22}{'optuna-dashboard':>24}{'ratio':>8}")
    rows = [
        ("page, cold", "cold"),
        ("page, warm", "warm"),
        ("poll, no change", "poll"),
        ("page after +20 trials", "after"),
    ]
    for label, key in rows:
        span = ours[key]
        assert span is not None
        line = f"{label:30}{_ms(span):>22}"
        other = None if theirs is None else theirs[key]
        if other is not None:
            line += f"{_ms(other):>24}{other[0] / span[0]:7.1f}x"
        print(line)
    table = ours["table"]
    assert table is not None
    print(f"{'table: sort+filter, 200 rows':30}{_ms(table):>22}")
    size = ours["bytes"]
    assert size is not None
    line = f"{'page JSON received (KiB)':30}{size[0] / 1024:>22.0f}"
    if theirs is not None and theirs["bytes"] is not None:
        line += f"{theirs['bytes'][0] / 1024:>24.0f}{theirs['bytes'][0] / size[0]:7.1f}x"
    print(line)
    print("ratio = optuna-dashboard's time (or bytes) / parzen's: above 1 means parzen is faster.")
    print()
    print("parzen, each request of the study page: during the cold page load (in this order),")
    print("and alone as the first request of a fresh server")
    print(f"{'':44}{'in cold page':>22}{'alone, cold':>22}")
    for path in [*PARZEN_PAGE, PARZEN_PARETO]:
        in_page = ours.get(("in page", path))
        alone = ours[("alone", path)]
        assert alone is not None
        shown = path.removeprefix("api/").split("?x=")[0]
        print(f"{shown:44}{_ms(in_page) if in_page else '-':>22}{_ms(alone):>22}")


if __name__ == "__main__":
    main()
