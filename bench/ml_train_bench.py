#!/usr/bin/env python3
"""Model training time: bullion (XGBoost C API) vs scikit-learn's GradientBoostingClassifier (the
seed's model) vs Python xgboost (hist), on the same churn features, split, parameters and threads.

Data: `bullion generate` events → the DESIGN's Gold features and 30-day churn labels at eight
as-of dates, computed with pandas exactly as tests/interop/test_generator_learnable.py does (its
functions are reused), written as one CSV. The split is bullion's contract split (by customer_id,
test_size 0.2, seed 42), taken from `ml_tool split`, so every model trains and tests on the same rows.
Parameters: the seed's n_estimators 200, max_depth 5, learning_rate 0.05 (xgboost: eta, rounds;
base_score 0.5, seed 42, tree_method hist).

    .venv/bin/python bench/ml_train_bench.py [--events 1M] [--customers 20000] [--threads 2] [--repeat 3]

Times: bullion's is GbmModel::train (float32 matrix + boosting; reported by ml_tool as
train_seconds); Python xgboost's the same two steps (DMatrix from a float32 array + xgb.train);
scikit-learn's is fit() (single-threaded by design). Each measurement runs in a fresh process,
best of --repeat; CPU seconds are the process's user + system time. Each library runs with its
OpenMP threads sleeping when idle (OMP_WAIT_POLICY=passive, bullion's default) and spinning
(OMP_WAIT_POLICY=active for bullion, libgomp's default for Python xgboost), since on a shared
machine that choice dominates.
"""
import argparse
import json
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "interop"))

PARAMS = {"n_estimators": 200, "max_depth": 5, "learning_rate": 0.05}


def count(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * scale)


def build_gold(bullion: pathlib.Path, work: pathlib.Path, events: int, customers: int) -> pathlib.Path:
    import pandas as pd
    from test_generator_learnable import AS_OF, FEATURES, gold, labels, read_ndjson, silver

    path = work / f"gold-{events}-{customers}.csv"
    if path.exists():
        return path
    raw = work / f"raw-{events}-{customers}"
    subprocess.run([str(bullion), "generate", "--events", str(events), "--customers", str(customers), "--seed", "5",
                    "--files", "4", "--overwrite", "--out", str(raw)], check=True, capture_output=True)
    started = time.time()
    events_df = silver(read_ndjson(raw))
    frames = []
    for d in AS_OF:
        f = gold(events_df, d)
        frames.append(f.merge(labels(events_df, f, d), on="customer_id"))
    df = pd.concat(frames, ignore_index=True)[["customer_id", "feature_date", *FEATURES, "churned"]]
    df["feature_date"] = df["feature_date"].astype(str)
    df.to_csv(path, index=False)
    print(f"gold features: {len(df)} rows of {df['customer_id'].nunique()} customers, "
          f"{int(df['churned'].sum())} churned ({time.time() - started:.1f} s with pandas)", file=sys.stderr)
    return path


def cpu_of_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_measured(cmd, env_extra):
    env = dict(os.environ)
    env.pop("OMP_WAIT_POLICY", None)
    env.update(env_extra)
    before = cpu_of_children()
    started = time.perf_counter()
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{proc.stderr}")
    return proc.stdout, wall, cpu_of_children() - before


# ---- workers: one model, one process -------------------------------------------


def worker(kind: str, data: str, split: str, threads: int) -> None:
    import numpy as np
    import pandas as pd
    from sklearn.metrics import roc_auc_score
    from test_generator_learnable import FEATURES

    df = pd.read_csv(data, dtype={"customer_id": str})
    df = df.sort_values(["feature_date", "customer_id"], kind="stable")
    test_entities = set(json.loads(pathlib.Path(split).read_text())["test_entities"])
    is_test = df["customer_id"].isin(test_entities).to_numpy()
    train, test = df[~is_test], df[is_test]
    if kind == "xgboost":
        import xgboost as xgb

        started = time.perf_counter()
        dtrain = xgb.DMatrix(train[FEATURES].to_numpy(dtype=np.float32), label=train["churned"].to_numpy(),
                             feature_names=FEATURES, nthread=threads)
        booster = xgb.train({"objective": "binary:logistic", "tree_method": "hist", "eta": PARAMS["learning_rate"],
                             "max_depth": PARAMS["max_depth"], "nthread": threads, "base_score": 0.5, "seed": 42},
                            dtrain, PARAMS["n_estimators"])
        seconds = time.perf_counter() - started
        scores = booster.predict(xgb.DMatrix(test[FEATURES].to_numpy(dtype=np.float32), feature_names=FEATURES))
        version = xgb.__version__
    else:
        import sklearn
        from sklearn.ensemble import GradientBoostingClassifier

        model = GradientBoostingClassifier(random_state=42, **PARAMS)
        started = time.perf_counter()
        model.fit(train[FEATURES].to_numpy(), train["churned"].to_numpy())
        seconds = time.perf_counter() - started
        scores = model.predict_proba(test[FEATURES].to_numpy())[:, 1]
        version = sklearn.__version__
    print(json.dumps({"seconds": seconds, "roc_auc": roc_auc_score(test["churned"], scores), "version": version,
                      "train_rows": int(len(train)), "test_rows": int(len(test))}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", default="1M")
    ap.add_argument("--customers", default="20000")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", default=None, help="data directory, kept between runs (default: a temp dir)")
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--worker", choices=["xgboost", "sklearn"], help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--split", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.data, args.split, args.threads)
        return

    build = pathlib.Path(args.build)
    bullion, ml_tool = build / "src" / "cli" / "bullion", build / "tests" / "ml" / "ml_tool"
    for exe in (bullion, ml_tool):
        if not exe.exists():
            raise SystemExit(f"{exe} not found: build the bullion and ml_tool targets first")
    work = pathlib.Path(args.work) if args.work else pathlib.Path(tempfile.mkdtemp(prefix="bullion-ml-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    if load > 0.5:
        print(f"warning: load average {load:.1f}: other work shares the cores; times will be noisy", file=sys.stderr)

    from test_generator_learnable import FEATURES

    data = build_gold(bullion, work, count(args.events), count(args.customers))
    split = work / "split.json"
    out, _, _ = run_measured([ml_tool, "split", "--data", data, "--features", ",".join(FEATURES)], {})
    split.write_text(out)

    threads = args.threads
    bullion_cmd = [ml_tool, "train", "--data", data, "--features", ",".join(FEATURES), "--out", work / "model",
                   "--nthread", threads] + [x for k, v in PARAMS.items() for x in ("--param", f"{k}={v}")]
    python_cmd = [sys.executable, __file__, "--data", data, "--split", split, "--threads", threads, "--worker"]
    configs = [
        ("bullion", "passive", bullion_cmd, {}),
        ("bullion", "spinning", bullion_cmd, {"OMP_WAIT_POLICY": "active"}),
        ("python xgboost", "passive", python_cmd + ["xgboost"], {"OMP_WAIT_POLICY": "passive"}),
        ("python xgboost", "spinning", python_cmd + ["xgboost"], {}),
        ("sklearn GBC", "-", python_cmd + ["sklearn"], {}),
    ]
    results = []
    for name, policy, cmd, env in configs:
        best = None
        for _ in range(args.repeat):
            stdout, wall, cpu = run_measured(cmd, env)
            r = json.loads(stdout)
            seconds = r["train_seconds"] if "train_seconds" in r else r["seconds"]
            auc = r["metrics"]["roc_auc"] if "metrics" in r else r["roc_auc"]
            if best is None or seconds < best["seconds"]:
                best = {"seconds": seconds, "roc_auc": auc, "cpu": cpu, "wall": wall,
                        "version": r.get("xgboost_version", r.get("version")),
                        "rows": r.get("training_rows", r.get("train_rows"))}
        results.append((name, policy, best))

    base = results[0][2]["seconds"]
    print(f"\ntraining on {results[0][2]['rows']} rows x {len(FEATURES)} features, n_estimators 200, max_depth 5, "
          f"learning_rate 0.05, {threads} threads, best of {args.repeat} (load average {load:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after)")
    print(f"{'model':<16}{'idle threads':<14}{'train s':>9}{'vs bullion':>12}{'process CPU s':>15}{'ROC-AUC':>10}"
          f"  version")
    for name, policy, r in results:
        print(f"{name:<16}{policy:<14}{r['seconds']:>9.3f}{r['seconds'] / base:>11.2f}x{r['cpu']:>15.2f}"
              f"{r['roc_auc']:>10.4f}  {r['version']}")


if __name__ == "__main__":
    main()
