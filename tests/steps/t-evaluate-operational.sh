# mlci-evaluate --operational: model size, prediction latency and peak
# memory beside the metrics, and mlci-gate rules that bound them. Timed
# figures are only checked for sanity (present, positive, p50 <= p95),
# never against a fixed threshold.
PY=/usr/bin/python3
COLS=age,workclass,fnlwgt,education,education_num,marital_status,occupation,relationship,race,sex,capital_gain,capital_loss,hours_per_week,native_country,income
RD="--columns $COLS --trim"

"$BIN/mlci-train" --data "$DATA/adult.data.csv" $RD --label income --model logistic \
	--out model.json >/dev/null 2>&1
expect_exit 0 "evaluate --operational" "$BIN/mlci-evaluate" --model model.json \
	--data "$DATA/adult.test.csv" --skip-rows 1 $RD --label-suffix . --out m.json --operational
size=$(wc -c <model.json)
json_is m.json 'j["operational"]["model_bytes"], j["operational"]["batch_rows"], j["operational"]["batches"]' \
	"($size, 100, 162)" "model_bytes is model.json's size; 16281 rows make 162 batches of 100"
json_is m.json 'all(j["operational"][k] > 0 for k in ("latency_p50_ms", "latency_p95_ms", "batch_latency_p50_ms", "batch_latency_p95_ms", "rows_per_second", "peak_rss_mb"))' \
	True "every timed figure is positive"
json_is m.json '(lambda o: o["latency_p50_ms"] <= o["latency_p95_ms"] and o["batch_latency_p50_ms"] <= o["batch_latency_p95_ms"])(j["operational"])' \
	True "p50 <= p95, per row and per batch"
json_is m.json '(lambda o: abs(o["batch_latency_p50_ms"] / o["batch_rows"] - o["latency_p50_ms"]) <= 1e-9 * o["latency_p50_ms"])(j["operational"])' \
	True "per-row latency is the batch's over its rows"
json_is m.json '(lambda o: 1 < o["peak_rss_mb"] < 65536)(j["operational"])' True "peak memory is a sane number of MiB"
json_is m.json 'sorted(set(j["operational"]) & set(j["metrics"]))' "[]" "operational figures are not metrics"
check "metrics.json with operational figures validates" $PY "$TOP/tests/check_schema.py" m.json

expect_exit 0 "--latency-batch 1000" "$BIN/mlci-evaluate" --model model.json \
	--data "$DATA/adult.test.csv" --skip-rows 1 $RD --label-suffix . --out m2.json --operational --latency-batch 1000
json_is m2.json 'j["operational"]["batch_rows"], j["operational"]["batches"]' "(1000, 16)" "batches of 1000 rows: 16"
expect_exit 0 "a batch larger than the data is one batch of every row" "$BIN/mlci-evaluate" --model model.json \
	--data "$DATA/adult.test.csv" --skip-rows 1 $RD --label-suffix . --out m3.json --operational --latency-batch 99999
json_is m3.json 'j["operational"]["batch_rows"], j["operational"]["batches"]' "(16281, 1)" "one batch of 16281 rows"

expect_exit 64 "--operational with --scored: 64" "$BIN/mlci-evaluate" --scored "$TOP/tests/ref/scored_binary.csv" \
	--label-column truth --prediction-column guess --out bad.json --operational
err_is "--operational measures a model" "the error says why"
expect_exit 64 "--latency-batch -1: 64" "$BIN/mlci-evaluate" --model model.json \
	--data "$DATA/adult.test.csv" --skip-rows 1 $RD --label-suffix . --out bad.json --operational --latency-batch -1
absent bad.json "no metrics.json after the errors"

# ---- mlci-gate rules over operational figures ----
expect_exit 0 "operational rules pass" "$BIN/mlci-gate" --metrics m.json --out g1.json \
	--rule "operational.model_bytes <= $size" --rule 'operational.latency_p95_ms <= 1e9' \
	--rule 'operational.peak_rss_mb <= 1e9' --rule 'accuracy >= 0.5' --junit g1.xml --dotenv g1.env
json_is g1.json '[(r["metric"], r["status"]) for r in j["rules"]][:2], int(j["rules"][0]["value"])' \
	"([('operational.model_bytes', 'pass'), ('operational.latency_p95_ms', 'pass')], $size)" "named operational.NAME, valued from the operational section"
check "the dotenv carries the bounded figure" grep -q "^MLCI_OPERATIONAL_MODEL_BYTES=$size$" g1.env
expect_exit 1 "an operational rule fails" "$BIN/mlci-gate" --metrics m.json --out g2.json \
	--rule "operational.model_bytes <= $((size - 1))" --rule 'operational.latency_p50_ms < 0'
json_is g2.json '[r["status"] for r in j["rules"]]' "['fail', 'fail']" "both fail"
expect_exit 0 "an operational rule over the baseline" "$BIN/mlci-gate" --metrics m.json --baseline m2.json --out g3.json \
	--rule 'operational.model_bytes <= baseline'
json_is g3.json 'j["rules"][0]["baseline"] == j["rules"][0]["value"]' True "the baseline's figure is its operational one"
check "gate.json with operational rules validates" $PY "$TOP/tests/check_schema.py" g1.json g2.json g3.json
expect_exit 65 "an unknown operational figure: 65" "$BIN/mlci-gate" --metrics m.json --out badg.json \
	--rule 'operational.latency_p99_ms <= 5'
err_is "unknown operational figure 'latency_p99_ms' in --rule 'operational.latency_p99_ms <= 5' \(did you mean 'latency_p95_ms'\?" "names the rule and the near miss"
"$BIN/mlci-evaluate" --model model.json --data "$DATA/adult.test.csv" --skip-rows 1 $RD --label-suffix . \
	--out plain.json >/dev/null 2>&1
expect_exit 65 "operational rule over metrics without figures: 65" "$BIN/mlci-gate" --metrics plain.json --out badg.json \
	--rule 'operational.model_bytes <= 1e7'
err_is "plain.json: --rule 'operational.model_bytes <= 1e7' bounds an operational figure, but this file has none \(mlci-evaluate --operational measures them\)" "says how to get them"
expect_exit 64 "paired over an operational figure is a syntax error" "$BIN/mlci-gate" --metrics m.json --baseline m2.json \
	--out badg.json --rule 'operational.model_bytes <= baseline paired'
absent badg.json "no gate.json after the errors"
