"""Tables written by bullion are real Delta tables: delta-rs and Spark read
them with identical rows, schema, partitioning and history at every version;
concurrent writers (bullion and delta-rs) never lose or duplicate a commit;
a writer killed at any point leaves a readable table holding exactly the
commits that landed."""
import json
import os
import pathlib
import random
import signal
import subprocess
import time

import pytest

from delta_oracle import bullion_rows, canonical_rows, normalize, spark_rows

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def delta_tool(bullion_bin):
    path = pathlib.Path(bullion_bin).parents[2] / "tests" / "delta" / "delta_tool"
    assert path.exists(), f"{path} is built with the C++ tests"
    return str(path)


def tool(delta_tool, *args, check=True):
    proc = subprocess.run([delta_tool, *map(str, args)], capture_output=True, text=True)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def write_rows(tmp_path, name, rows):
    path = tmp_path / f"{name}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


SCHEMA = "id:bigint,name:string,amount:double,ts:timestamp,day:date"


def rows(first, count, day):
    return [{"id": i, "name": None if i % 5 == 0 else f"n{i}", "amount": i * 1.5,
             "ts": f"2026-01-0{1 + i % 9}T10:00:00.{i % 1000:03d}Z", "day": day} for i in range(first, first + count)]


def bullion_read(run_bullion, table, version):
    proc = run_bullion("table", "show", table, "--format", "json", "--limit", "0", "--version", version)
    return canonical_rows(bullion_rows(proc.stdout))


def test_every_version_reads_the_same_in_deltars_and_spark(tmp_path, delta_tool, run_bullion, spark):
    import deltalake

    table = tmp_path / "t"
    tool(delta_tool, "write", table, "--schema", SCHEMA, "--rows", write_rows(tmp_path, "a", rows(0, 20, "2026-01-01")),
         "--partition", "day")
    tool(delta_tool, "write", table, "--schema", SCHEMA, "--rows", write_rows(tmp_path, "b", rows(20, 20, "2026-01-02")),
         "--partition", "day")
    tool(delta_tool, "write", table, "--schema", SCHEMA, "--rows", write_rows(tmp_path, "c", rows(100, 5, "2026-01-02")),
         "--partition", "day", "--mode", "replace", "--where", "day=2026-01-02")
    # Schema evolution: a new nullable column.
    wider = SCHEMA + ",extra:string"
    extra = [dict(r, extra=f"x{r['id']}") for r in rows(200, 3, "2026-01-03")]
    tool(delta_tool, "write", table, "--schema", wider, "--rows", write_rows(tmp_path, "d", extra), "--partition", "day",
         "--merge-schema")
    for k in range(8):  # pass a checkpoint (every 10 commits)
        tool(delta_tool, "write", table, "--schema", wider,
             "--rows", write_rows(tmp_path, f"e{k}", [dict(r, extra=None) for r in rows(300 + k * 3, 3, "2026-01-04")]),
             "--partition", "day")
    tool(delta_tool, "write", table, "--schema", wider,
         "--rows", write_rows(tmp_path, "f", [dict(r, extra="last") for r in rows(900, 2, "2026-01-01")]),
         "--partition", "day", "--mode", "overwrite")
    assert (table / "_delta_log" / "00000000000000000010.checkpoint.parquet").exists()
    # VACUUM with no retention: bullion still keeps every file a version in the log needs.
    run_bullion("table", "vacuum", table, "--retain-hours", "0", "--force")

    latest = deltalake.DeltaTable(str(table)).version()
    assert latest == 14  # 12 writes + VACUUM START/END
    for version in range(latest + 1):
        ours = bullion_read(run_bullion, table, version)
        theirs_rs = canonical_rows(normalize(r) for r in deltalake.DeltaTable(str(table), version=version)
                                   .to_pyarrow_table().to_pylist())
        assert ours == theirs_rs, f"delta-rs, version {version}"
        # Spark is slow to start a read: check the versions where something changes in kind
        # (create, replaceWhere, schema evolution, checkpoint, overwrite, after VACUUM).
        if version in (0, 2, 3, 10, 11, 12, latest):
            theirs_spark = canonical_rows(
                spark_rows(spark.read.format("delta").option("versionAsOf", version).load(str(table))))
            assert ours == theirs_spark, f"Spark, version {version}"
    dt = deltalake.DeltaTable(str(table))
    assert dt.metadata().partition_columns == ["day"]
    assert [f.name for f in dt.schema().fields] == ["id", "name", "amount", "ts", "day", "extra"]
    spark_schema = spark.read.format("delta").load(str(table)).schema
    assert [(f.name, f.dataType.simpleString()) for f in spark_schema.fields] == [
        ("id", "bigint"), ("name", "string"), ("amount", "double"), ("ts", "timestamp"), ("day", "date"),
        ("extra", "string")]
    history = spark.sql(f"DESCRIBE HISTORY delta.`{table}`").orderBy("version").collect()
    assert [h.operation for h in history][:3] == ["WRITE", "WRITE", "WRITE"]
    assert history[-1].operation == "VACUUM END"
    ours_history = json.loads(run_bullion("table", "history", table, "--json").stdout)
    assert [h["commitInfo"]["operation"] for h in reversed(ours_history)] == [h.operation for h in history]


def test_concurrent_bullion_appenders_each_commit_lands_once(tmp_path, delta_tool, run_bullion):
    table = tmp_path / "t"
    writers, commits = 6, 15
    procs = [subprocess.Popen([delta_tool, "append-loop", str(table), "--writer", str(w), "--commits", str(commits)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for w in range(writers)]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    got = bullion_rows(run_bullion("table", "show", table, "--format", "json", "--limit", "0").stdout)
    assert sorted((r["writer"], r["seq"]) for r in got) == [(w, s) for w in range(writers) for s in range(commits)]
    history = json.loads(run_bullion("table", "history", table, "--json").stdout)
    assert sorted(h["version"] for h in history) == list(range(writers * commits))


def test_bullion_and_deltars_append_concurrently(tmp_path, delta_tool, run_bullion):
    import deltalake
    import pyarrow as pa

    table = tmp_path / "t"
    tool(delta_tool, "append-loop", table, "--writer", 0, "--commits", 1)  # create the table
    bullion = subprocess.Popen([delta_tool, "append-loop", str(table), "--writer", "1", "--commits", "25"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    schema = pa.schema([("writer", pa.int64()), ("seq", pa.int64())])
    for seq in range(25):
        deltalake.write_deltalake(str(table), pa.table({"writer": [2], "seq": [seq]}, schema=schema), mode="append")
    out, err = bullion.communicate(timeout=300)
    assert bullion.returncode == 0, err
    expected = [(0, 0)] + [(1, s) for s in range(25)] + [(2, s) for s in range(25)]
    ours = bullion_rows(run_bullion("table", "show", table, "--format", "json", "--limit", "0").stdout)
    assert sorted((r["writer"], r["seq"]) for r in ours) == expected
    theirs = deltalake.DeltaTable(str(table)).to_pyarrow_table().to_pylist()
    assert sorted((r["writer"], r["seq"]) for r in theirs) == expected


def test_writers_killed_at_random_points_leave_exactly_the_landed_commits(tmp_path, delta_tool, run_bullion):
    import deltalake

    rng = random.Random(7)
    table = tmp_path / "t"
    tool(delta_tool, "append-loop", table, "--writer", 0, "--commits", 1)
    trials = 120
    for trial in range(1, trials + 1):
        proc = subprocess.Popen([delta_tool, "append-loop", str(table), "--writer", str(trial), "--commits", "1000"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        time.sleep(rng.uniform(0.0, 0.05))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        reported = {int(line.split()[2]) for line in out.splitlines() if line.startswith("committed")}
        rows = bullion_rows(run_bullion("table", "show", table, "--format", "json", "--limit", "0").stdout)
        mine = sorted(r["seq"] for r in rows if r["writer"] == trial)
        # Every reported commit is there; commits are a gapless prefix (a killed
        # writer may have landed one more commit than it reported), never twice.
        assert mine == list(range(len(mine))), f"trial {trial}"
        assert reported <= set(mine), f"trial {trial}"
        assert len(mine) - len(reported) <= 1
    # The log is contiguous and every peer agrees on the final state.
    dt = deltalake.DeltaTable(str(table))
    theirs = sorted((r["writer"], r["seq"]) for r in dt.to_pyarrow_table().to_pylist())
    ours = sorted((r["writer"], r["seq"]) for r in bullion_rows(
        run_bullion("table", "show", table, "--format", "json", "--limit", "0").stdout))
    assert ours == theirs
    assert len(set(ours)) == len(ours)
    # No half-written commit is visible: only hidden temp files may remain.
    for name in os.listdir(table / "_delta_log"):
        assert name.startswith(".") or name.endswith((".json", ".parquet")) or name == "_last_checkpoint", name


def test_time_travel_by_timestamp_agrees_with_spark(tmp_path, delta_tool, run_bullion, spark):
    table = tmp_path / "t"
    for k in range(4):
        tool(delta_tool, "write", table, "--schema", SCHEMA,
             "--rows", write_rows(tmp_path, f"r{k}", rows(k * 10, 3, "2026-01-01")))
    # Commit times (recent: Spark refuses time travel beyond the 7-day file retention):
    # T, T+10 min, T+5 min (a clock going back is made monotonic), T+30 min.
    import datetime as dt

    base = int(time.time()) // 60 * 60 - 7200
    for version, offset in [(0, 0), (1, 600), (2, 300), (3, 1800)]:
        log = table / "_delta_log" / f"{version:020d}.json"
        os.utime(log, (base + offset, base + offset))

    def stamp(seconds, millis=0):
        t = dt.datetime.fromtimestamp(base + seconds, dt.timezone.utc) + dt.timedelta(milliseconds=millis)
        return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]

    for text in [stamp(300), stamp(600, 1), stamp(1800)]:
        ours = canonical_rows(bullion_rows(run_bullion("table", "show", table, "--format", "json", "--limit", "0",
                                                       "--timestamp", text + "Z").stdout))
        theirs = canonical_rows(spark_rows(spark.read.format("delta").option("timestampAsOf", text).load(str(table))))
        assert ours == theirs, text
    # Before the first commit: both refuse.
    proc = run_bullion("table", "show", table, "--timestamp", stamp(-1) + "Z", check=False)
    assert proc.returncode == 4 and "before the earliest" in proc.stderr
    with pytest.raises(Exception):
        spark.read.format("delta").option("timestampAsOf", stamp(-1)).load(str(table)).collect()
