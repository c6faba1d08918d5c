"""One SparkSession with Delta Lake, configured as DESIGN's semantics contract requires.

UTC everywhere (session zone and JVM), ANSI mode off, local mode on the
machine's cores, no UI. Spark's Delta jars are resolved through Ivy once and
cached (scripts/setup.sh runs `python spark_session.py --warm-up`).
"""
import os
import sys

DELTA_PACKAGE_HINT = "delta-spark_4.2_2.13:4.4.0"


def build_spark_session(app_name="bullion-interop", threads=None):
    from delta import configure_spark_with_delta_pip
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("TZ", "UTC")
    builder = (
        SparkSession.builder.master(f"local[{threads or os.cpu_count() or 2}]")
        .appName(app_name)
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
        .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "2g")
    )
    spark = configure_spark_with_delta_pip(builder).getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


if __name__ == "__main__":
    if "--warm-up" in sys.argv:
        import tempfile

        spark = build_spark_session("bullion-warm-up")
        with tempfile.TemporaryDirectory() as d:
            spark.range(3).write.format("delta").save(d + "/t")
            assert spark.read.format("delta").load(d + "/t").count() == 3
        spark.stop()
        print(f"Spark + Delta ({DELTA_PACKAGE_HINT}) ready")
