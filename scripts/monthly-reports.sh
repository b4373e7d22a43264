#!/usr/bin/env bash
# The month's bulletin and scorecards, on the first working day of the month (Mon-Fri; statutory
# holidays are not known here: run it by hand, or pass --force, after a holiday week).
# Usage: scripts/monthly-reports.sh [--force]   (env: GRIDSCORE_DB, GRIDSCORE_SCHEME, GRIDSCORE_REPORTS)
set -euo pipefail
cd "$(dirname "$0")/.."
day=$(date +%-d); weekday=$(date +%u)
first_working_day=0
if [ "$weekday" -le 5 ] && { [ "$day" -eq 1 ] || { [ "$weekday" -eq 1 ] && [ "$day" -le 3 ]; }; }; then
    first_working_day=1
fi
if [ "$first_working_day" -eq 0 ] && [ "${1:-}" != "--force" ]; then
    exit 0
fi
period=$(date -d "$(date +%Y-%m-01) -1 day" +%Y-%m)   # the month that just ended
scheme=${GRIDSCORE_SCHEME:-beijing-3rates}
out=${GRIDSCORE_REPORTS:-reports}/$period
py=.venv/bin/python
status=0
$py -m metrics bulletin --period "$period" --scheme "$scheme" --format docx --format pdf --out "$out" || status=1
$py -m metrics scorecard --period "$period" --scheme "$scheme" --format zip --out "$out" || status=1
exit $status
