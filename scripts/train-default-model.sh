#!/usr/bin/env bash
# Rebuild the model that ships in the package (src/caselink/data/models/default.json) from the
# project's own synthetic data: no real case data, reproducible (fixed seeds).
#
#   scripts/train-default-model.sh [OUT]      # default OUT: src/caselink/data/models/default.json
#
# Trains on caselink.synth (20,000 cases, seed 1) and calibrates its probabilities to the
# candidate pairs `caselink link` scores, using the generator's full truth (every case's true
# offender, solved or not), so "probability 0.3" means about 30% of such pairs share an offender.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$here/src/caselink/data/models/default.json}"
caselink="${CASELINK:-$here/.venv/bin/caselink}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export CASELINK_USER="${CASELINK_USER:-model-build}"
"$caselink" synth --cases 20000 --seed 1 --out "$work/train.jsonl" --truth "$work/truth.json"
"$caselink" ingest "$work/train.jsonl" --db "$work/train.duckdb" --no-link
"$caselink" train --db "$work/train.duckdb" --model learned --name caselink-default --version 1.4 \
  --truth "$work/truth.json" --purpose "building the default model" --out "$out" \
  --source "caselink.synth generate(20000, seed=1): synthetic planted series (deaths, homicides, sexual offences, assaults, robberies, burglaries) - no real case data; calibrated to all candidate pairs with the generator's full truth"
echo "default model written to $out"
