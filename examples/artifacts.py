"""Artifacts: keep each trial's model file next to the study, then fetch the best one.

Run: python examples/artifacts.py [--dir DIR]   (DIR defaults to ./artifacts_example)
Each trial fits a small polynomial with numpy and uploads its coefficients (an .npz file) to a
FileSystemArtifactStore; the study, in SQLite, records which file belongs to which trial. At
the end the best trial's file is downloaded and loaded again (numpy, allow_pickle=False).
For S3 or an S3-compatible server use Boto3ArtifactStore (pip install "parzen[s3]"); for
Google Cloud Storage, GCSArtifactStore (pip install "parzen[gcs]"); wrap either in Backoff to
retry network failures.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

import numpy as np

import parzen
from parzen.artifacts import (
    FileSystemArtifactStore,
    download_artifact,
    get_all_artifact_meta,
    upload_artifact,
)

rng = np.random.default_rng(0)
X = np.linspace(-1.0, 1.0, 200)
Y = np.sin(3.0 * X) + 0.1 * rng.normal(size=X.size)
TRAIN, VALID = slice(0, None, 2), slice(1, None, 2)


def make_objective(
    store: FileSystemArtifactStore, work_dir: str
) -> Callable[[parzen.Trial], float]:
    def objective(trial: parzen.Trial) -> float:
        degree = trial.suggest_int("degree", 1, 12)
        ridge = trial.suggest_float("ridge", 1e-6, 1.0, log=True)
        features = np.vander(X, degree + 1)
        a, b = features[TRAIN], Y[TRAIN]
        coef = np.linalg.solve(a.T @ a + ridge * np.eye(degree + 1), a.T @ b)
        loss = float(np.mean((features[VALID] @ coef - Y[VALID]) ** 2))
        path = os.path.join(work_dir, f"model-{trial.number}.npz")
        np.savez(path, coef=coef)
        upload_artifact(artifact_store=store, file_path=path, study_or_trial=trial)
        os.remove(path)  # the store has its own copy
        return loss

    return objective


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default="artifacts_example", help="for the study and artifacts")
    parser.add_argument("--trials", type=int, default=30)
    args = parser.parse_args()
    base = os.path.abspath(args.dir)
    artifact_dir = os.path.join(base, "artifacts")
    os.makedirs(artifact_dir, exist_ok=True)
    store = FileSystemArtifactStore(artifact_dir)

    parzen.logging.set_verbosity(parzen.logging.WARNING)
    study = parzen.create_study(
        study_name="artifacts", storage=f"sqlite:///{base}/study.db", load_if_exists=True
    )
    study.optimize(make_objective(store, base), n_trials=args.trials)

    best = study.best_trial
    (meta,) = get_all_artifact_meta(best, storage=study._storage)
    print(f"Best trial {best.number}: loss {best.value:.4f}, params {best.params}")
    print(f"Its artifact: {meta.filename} ({meta.mimetype}), id {meta.artifact_id}")
    target = os.path.join(base, f"best-{meta.artifact_id}.npz")
    if not os.path.exists(target):  # download_artifact never overwrites a file
        download_artifact(artifact_store=store, file_path=target, artifact_id=meta.artifact_id)
    with np.load(target, allow_pickle=False) as saved:
        coef = saved["coef"]
    print(f"Downloaded to {target}: {coef.size} coefficients")
    print(f"Artifacts kept in {artifact_dir}: {len(os.listdir(artifact_dir))} files")


if __name__ == "__main__":
    main()
