#!/usr/bin/env bash
# The long LLM benchmarks in the order their issues need them, one after the
# other under the one CPU lock, so that no hour of CPU waits for a session to
# start the next step:
#
#   1. benchmarks/e2e_blogs.py (run v2)            issues 19, 20  (mine, survey, evaluate)
#   2. benchmarks/survey_readouts.py --run v2      issue 19       (readouts, no model for the pool)
#   3. benchmarks/e2e_blogs.py --readout centred-sample@0.1   issues 19, 20 (the chosen readout
#      through alignment and evaluation; a copy of run v2, every call cached)
#   4. benchmarks/target_retrieval.py ... --recipes quick,paper   issue 22 (recipe comparison)
#   5. benchmarks/target_table4.py --pools mined   issue 22 (with step 4's better embedder)
#   6. benchmarks/target_table4.py --pools personahub
#   7. benchmarks/target_table4.py --pools mined,personahub  (the joint table, from the caches)
#
# Every step is resumable (its LLM calls are cached and saved to
# benchmarks/state/), so the queue is started the same way after any stop and
# a finished step costs seconds:
#
#   nohup flock /tmp/populace-cpu.lock benchmarks/long_queue.sh > /tmp/long_queue.log 2>&1 &
#
# Stop it with SIGTERM to this script (pkill -TERM -f benchmarks/long_queue.sh):
# the running step gets the signal, saves its state and the queue ends.
# Then commit benchmarks/state/ and benchmarks/results/.
# FROM=N starts at step N (e.g. FROM=4 once the e2e runs and readouts are done).
# While a queue runs, change this file only by replacing it (write a new file,
# then mv it here; git checkout does the same): bash reads a running script
# from its file as it goes, and an edit in place shifts what it reads next.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
MODEL=qwen2.5-1.5b
POOL=benchmarks/out/e2e_blogs_v2/personas.parquet
RETRIEVAL=${RETRIEVAL:-benchmarks/out/target_retrieval.$MODEL.mined}  # step 4's run folder
FROM=${FROM:-1}

child=0
on_stop() {
    echo "long_queue: stop requested; waiting for step's state to be saved"
    if [ "$child" -ne 0 ]; then
        kill -TERM "$child" 2>/dev/null || true
        wait "$child" 2>/dev/null || true
    fi
    exit 143
}
trap on_stop TERM INT

step() {  # step N DESCRIPTION -- COMMAND...
    local n=$1 what=$2
    shift 3
    if [ "$n" -lt "$FROM" ]; then
        echo "long_queue: step $n ($what) skipped (FROM=$FROM)"
        return 0
    fi
    echo "long_queue: step $n ($what) starts $(date -u +%FT%TZ): $*"
    "$@" &
    child=$!
    local rc=0
    wait "$child" || rc=$?
    child=0
    if [ "$rc" -ne 0 ]; then
        echo "long_queue: step $n ($what) failed with exit code $rc; the queue stops"
        exit "$rc"
    fi
    echo "long_queue: step $n ($what) done $(date -u +%FT%TZ)"
}

better_embedder() {  # the folder of the better recipe's embedder in step 4's summary, if it exists
    "$PY" -c "import json,os,sys; s=json.load(open(sys.argv[1])); d=s['recipes'][s['better']]['dir']; os.path.isdir(d) or sys.exit(1); print(d)" \
        "$RETRIEVAL/summary.json" 2>/dev/null
}

step 1 "e2e v2" -- "$PY" benchmarks/e2e_blogs.py
step 2 "survey readouts v2" -- "$PY" benchmarks/survey_readouts.py --run v2
step 3 "e2e v2, centred readout" -- "$PY" benchmarks/e2e_blogs.py --readout centred-sample@0.1
if [ "$FROM" -le 4 ] && better_embedder > /dev/null; then
    echo "long_queue: step 4 (recipe comparison) already done: $RETRIEVAL/summary.json"
else
    step 4 "recipe comparison" -- "$PY" benchmarks/target_retrieval.py --model "$MODEL" \
        --personas "$POOL" --hard 4 --random 2 --val-fraction 0.2 --recipes quick,paper
fi
TRAINED=$(better_embedder) || {
    echo "long_queue: $RETRIEVAL/summary.json names no better recipe with a saved embedder (no held-out query parsed?); the queue stops"
    exit 1
}
echo "long_queue: Table 4 uses the embedder $TRAINED"
step 5 "Table 4, mined pool" -- "$PY" benchmarks/target_table4.py --model "$MODEL" \
    --trained "$TRAINED" --pools mined
step 6 "Table 4, PersonaHub" -- "$PY" benchmarks/target_table4.py --model "$MODEL" \
    --trained "$TRAINED" --pools personahub
step 7 "Table 4, both pools in one table (every call cached)" -- "$PY" benchmarks/target_table4.py \
    --model "$MODEL" --trained "$TRAINED" --pools mined,personahub
echo "long_queue: all steps done $(date -u +%FT%TZ)"
