"""The dashboard on a 10,000-trial study: time of the study page's API calls, parzen's
dashboard beside optuna-dashboard, both over HTTP on 127.0.0.1 in this process.

Run: python benchmarks/bench_dashboard.py [--trials 10000] [--repeat 3] [--storage memory]

The same trials (8 parameters: floats, a log-scaled float, an int, a categorical; 10
intermediate values each; two user attributes; 75% COMPLETE, 20% PRUNED, 5% FAIL) go into a
parzen study and an Optuna study. Then, for each dashboard:

- "page, cold": every request the study page makes, right after the server starts (the
  dashboard reads the storage for the first time);
- "page, warm": the same requests again, nothing having changed;
- "poll, no change": the request the page repeats every few seconds while open;
- "page after +20 trials": the page's requests after 20 more trials finished.

parzen's study page asks for the study summary, five plots' data and one page of 200 table
rows, all reduced on the server (``/api/studies/0``, ``.../plots/{history,intermediate,
parallel,slice,importance}``, ``.../trials?limit=200``), and polls the summary with
If-None-Match. optuna-dashboard's page (0.21) asks for every trial
(``/api/studies/0?after=0``) and the parameter importances, draws its plots in the browser
from all trials, and polls ``/api/studies/0?after=N``. Both get ``Accept-Encoding: gzip``.
Time is wall-clock until the body is received (medians over ``--repeat`` fresh servers);
the bytes received tell what the browser then has to parse. In "page after +20 trials"
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
    "api/studies/0/trials?limit=200",
]
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


def fill(module: Any, study: Any, trials: list[dict[str, Any]]) -> None:
    d = module.distributions
    dists = {f"x{j}": d.FloatDistribution(-5, 5) for j in range(5)}
    dists["lr"] = d.FloatDistribution(1e-5, 1e-1, log=True)
    dists["layers"] = d.IntDistribution(1, 8)
    dists["opt"] = d.CategoricalDistribution(["adam", "sgd", "rmsprop", "adagrad"])
    frozen = []
    for t in trials:
        state = getattr(module.trial.TrialState, t["state"])
        frozen.append(
            module.trial.create_trial(
                state=state,
                value=t["value"],
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


def page(base: str, paths: list[str]) -> tuple[int, dict[str, str | None]]:
    total = 0
    etags = {}
    for path in paths:
        status, size, etag = get(base + path)
        assert status == 200, (path, status)
        total += size
        etags[path] = etag
    return total, etags


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
    # refresh_interval=0: every request reads the storage's news, as the page's first
    # request after the default 1 s throttle would.
    server = start_server(storage, refresh_interval=0.0)
    try:
        base = server.url
        cold, (size, etags) = timed(lambda: page(base, PARZEN_PAGE))
        warm, _ = timed(lambda: page(base, PARZEN_PAGE))
        poll, (status, _, _) = timed(lambda: get(base + PARZEN_PAGE[0], etags[PARZEN_PAGE[0]]))
        assert status == 304, status
        table, _ = timed(lambda: get(base + PARZEN_TABLE_QUERY))
        fill(parzen, study, extra)
        after, _ = timed(lambda: page(base, PARZEN_PAGE))
    finally:
        server.stop()
    return {
        "cold": cold,
        "warm": warm,
        "poll": poll,
        "after": after,
        "table": table,
        "bytes": size,
    }


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
        cold, (size, _) = timed(lambda: page(base, paths))
        warm, _ = timed(lambda: page(base, paths))
        n = len(trials)
        poll, _ = timed(lambda: get(base + f"api/studies/0?after={n}"))
        fill(optuna, study, extra)
        after, _ = timed(lambda: page(base, paths))
    finally:
        stop()
    return {"cold": cold, "warm": warm, "poll": poll, "after": after, "table": None, "bytes": size}


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        key: None if runs[0][key] is None else statistics.median(r[key] for r in runs)
        for key in runs[0]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--storage", choices=["memory", "journal"], default="memory")
    args = parser.parse_args()

    import parzen

    parzen.logging.set_verbosity(parzen.logging.WARNING)
    trials = make_trials(args.trials)
    extra = make_trials(20, seed=1)
    try:
        import optuna_dashboard  # noqa: F401

        have_optuna_dashboard = True
    except ImportError:
        have_optuna_dashboard = False
        print("optuna-dashboard is not installed (pip install optuna-dashboard): parzen only.")

    with tempfile.TemporaryDirectory() as directory:
        ours = median_of(
            [run_parzen(args.storage, trials, extra, directory) for _ in range(args.repeat)]
        )
        theirs = (
            median_of(
                [run_optuna(args.storage, trials, extra, directory) for _ in range(args.repeat)]
            )
            if have_optuna_dashboard
            else None
        )

    print(
        f"Study page API on {args.trials} trials ({args.storage} storage), median of "
        f"{args.repeat} fresh servers; times in ms"
    )
    header = f"{'':28}{'parzen':>10}{'optuna-dashboard':>18}{'ratio':>8}"
    print(header)
    rows = [
        ("page, cold", "cold"),
        ("page, warm", "warm"),
        ("poll, no change", "poll"),
        ("page after +20 trials", "after"),
    ]
    for label, key in rows:
        p = ours[key] * 1000
        if theirs is not None:
            o = theirs[key] * 1000
            print(f"{label:28}{p:10.1f}{o:18.1f}{o / p:7.1f}x")
        else:
            print(f"{label:28}{p:10.1f}")
    print(f"{'table: sort+filter, 200 rows':28}{ours['table'] * 1000:10.1f}")
    kb = ours["bytes"] / 1024
    if theirs is not None:
        print(
            f"{'page JSON received (KiB)':28}{kb:10.0f}{theirs['bytes'] / 1024:18.0f}"
            f"{theirs['bytes'] / ours['bytes']:7.1f}x"
        )
    else:
        print(f"{'page JSON received (KiB)':28}{kb:10.0f}")
    print("ratio = optuna-dashboard's time (or bytes) / parzen's: above 1 means parzen is faster.")


if __name__ == "__main__":
    main()
