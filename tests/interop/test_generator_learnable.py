"""The generated feed is learnable: after DESIGN's Silver cleaning, the seed's Gold features
predict 30-day churn labels (DESIGN's semantics contract) with a useful but imperfect ROC-AUC.

Independent of bullion's own pipeline: pandas computes Silver, Gold and labels here from the
raw NDJSON exactly as the contract defines them; scikit-learn trains on a time split.
"""
import datetime
import json
import pathlib

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import roc_auc_score

EVENTS = 100_000  # the CI budget for interop data
CUSTOMERS = 1_500
SEED = 5  # a typical seed: AUC 0.81-0.87 over seeds 1-10, 0.85 for this one
HORIZON_DAYS = 30
# Feature dates: every two weeks; the latest is the test date. D + 30 stays within the last
# complete event date (the range ends 2025-06-30), so none of them is censored.
AS_OF = pd.to_datetime(
    ["2025-02-15", "2025-03-01", "2025-03-15", "2025-04-01", "2025-04-15", "2025-05-01", "2025-05-15", "2025-05-30"]
).date
FEATURES = [
    "total_events", "total_sessions", "distinct_products", "events_last_30d", "events_last_90d",
    "days_since_last_event", "customer_tenure_days", "avg_events_per_day", "recency_tier", "engagement_score",
]


def read_ndjson(directory: pathlib.Path) -> pd.DataFrame:
    """Bronze, as far as this test needs it: every well-formed line, in file and line order."""
    rows = []
    for path in sorted(directory.glob("events-*.json")):
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    continue  # malformed: Bronze keeps it as a corrupt record with NULL fields
    return pd.DataFrame(rows)


def silver(bronze: pd.DataFrame) -> pd.DataFrame:
    """DESIGN's Silver: expectations -> dedupe -> columns -> output expectations; NULL merge keys quarantined."""
    df = bronze[bronze["customer_id"].notna() & bronze["event_type"].notna()]
    df = df.drop_duplicates(subset=["customer_id", "event_id"], keep="first")
    out = pd.DataFrame(
        {
            "customer_id": df["customer_id"],
            "event_id": df["event_id"],
            # trim() removes spaces only (not tabs); upper() maps the full Unicode case (ß -> SS).
            "event_type": df["event_type"].map(lambda s: s.strip(" ").upper()),
            "event_ts": pd.to_datetime(df["event_timestamp"], utc=True, format="ISO8601", errors="coerce"),
            "country_code": df["country"].map(lambda s: s.upper() if isinstance(s, str) else None).fillna("UNKNOWN"),
            "product_id": df["product_id"],
            "session_id": df["session_id"],
        }
    )
    out = out[out["event_ts"].notna() & out["event_id"].notna()]
    out["event_date"] = out["event_ts"].dt.date
    return out.reset_index(drop=True)


def gold(events: pd.DataFrame, as_of) -> pd.DataFrame:
    """The seed's Gold features at one as_of date, over events with date <= as_of."""
    e = events[events["event_date"] <= as_of].copy()
    age = np.array([(as_of - d).days for d in e["event_date"]], dtype=np.int64)  # datediff(as_of, event_ts)
    e["in_30"] = age <= 30
    e["in_90"] = age <= 90
    g = e.groupby("customer_id").agg(
        total_events=("event_id", "count"),
        total_sessions=("session_id", "nunique"),
        distinct_products=("product_id", "nunique"),  # ignores NULLs, as count(DISTINCT) does
        events_last_30d=("in_30", "sum"),
        events_last_90d=("in_90", "sum"),
        last_event_date=("event_date", "max"),
        first_event_date=("event_date", "min"),
    )
    g["days_since_last_event"] = [(as_of - d).days for d in g["last_event_date"]]
    g["customer_tenure_days"] = [(as_of - d).days for d in g["first_event_date"]]
    g["avg_events_per_day"] = g["total_events"] / (g["customer_tenure_days"] + 1)
    g["recency_tier"] = np.where(g["days_since_last_event"] <= 7, 3, np.where(g["days_since_last_event"] <= 30, 2, 1))
    g["engagement_score"] = (g["events_last_30d"] * 0.6 + g["events_last_90d"] * 0.4) / (g["customer_tenure_days"] + 1)
    g["feature_date"] = as_of
    return g.reset_index()


def labels(events: pd.DataFrame, features: pd.DataFrame, as_of) -> pd.DataFrame:
    """churned = a CANCEL_SUBSCRIPTION with date in (D, D+30]. Excluded: every row when D + 30 is after
    the last complete event date (censored), and customers who cancelled on or before D."""
    # The latest date in Silver may still be filling up; the day before it is the last complete one.
    last_complete = events["event_date"].max() - datetime.timedelta(days=1)
    if as_of + datetime.timedelta(days=HORIZON_DAYS) > last_complete:
        return pd.DataFrame({"customer_id": pd.Series(dtype=object), "churned": pd.Series(dtype=int)})
    cancels = events[events["event_type"] == "CANCEL_SUBSCRIPTION"].groupby("customer_id")["event_date"].agg(list)
    rows = []
    for customer in features["customer_id"]:
        dates = cancels.get(customer, [])
        if any(d <= as_of for d in dates):
            continue  # already churned
        churned = any(as_of < d <= as_of + datetime.timedelta(days=HORIZON_DAYS) for d in dates)
        rows.append((customer, int(churned)))
    return pd.DataFrame(rows, columns=["customer_id", "churned"])


@pytest.fixture(scope="module")
def dataset(run_bullion, tmp_path_factory):
    out = tmp_path_factory.mktemp("learnable")
    run_bullion("generate", "--events", EVENTS, "--customers", CUSTOMERS, "--seed", SEED, "--files", 4, "--out", out)
    events = silver(read_ndjson(out))
    frames = []
    for d in AS_OF:
        f = gold(events, d)
        frames.append(f.merge(labels(events, f, d), on="customer_id"))
    # A feature date whose horizon runs past the data is censored: no labels at all.
    censored = datetime.date(2025, 6, 15)
    assert len(labels(events, gold(events, censored), censored)) == 0
    return pd.concat(frames, ignore_index=True).sort_values(["feature_date", "customer_id"], kind="stable")


def test_both_classes_at_every_date(dataset):
    by_date = dataset.groupby("feature_date")["churned"].agg(["sum", "count"])
    assert len(by_date) == len(AS_OF)
    print("\nlabelled rows and positives per feature date:\n", by_date)
    assert (by_date["sum"] >= 20).all(), by_date
    assert ((by_date["count"] - by_date["sum"]) >= 200).all(), by_date
    rate = by_date["sum"] / by_date["count"]
    assert ((rate > 0.03) & (rate < 0.35)).all(), rate


def test_gold_features_predict_churn(dataset):
    test_date = max(AS_OF)
    train = dataset[dataset["feature_date"] < test_date]
    test = dataset[dataset["feature_date"] == test_date]
    model = GradientBoostingClassifier(n_estimators=200, max_depth=5, learning_rate=0.05, random_state=42)
    model.fit(train[FEATURES], train["churned"])
    auc = roc_auc_score(test["churned"], model.predict_proba(test[FEATURES])[:, 1])
    print(f"\nROC-AUC on {test_date} ({len(test)} rows, {int(test['churned'].sum())} churned): {auc:.4f}")
    assert 0.75 <= auc <= 0.95, auc
