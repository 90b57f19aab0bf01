#!/usr/bin/env bash
# The scan step of action.yml (the GitHub Action): runs the trustgate CLI of this checkout on the
# workflow's repository, prints the findings to the log, writes SARIF for code scanning, and hands the
# exit code to the last step so the upload happens whatever the verdict. Every input arrives as an
# environment variable: nothing from the workflow is pasted into this script's text.
set -uo pipefail

cli=(node "${GITHUB_ACTION_PATH:?}/bin/trustgate.js")
# The tests run the same CLI from its TypeScript sources instead of the build.
if [ -n "${TRUSTGATE_CLI:-}" ]; then read -r -a cli <<< "$TRUSTGATE_CLI"; fi
cli+=(scan)
read -r -a paths <<< "${TRUSTGATE_PATHS:-.}"
[ "${#paths[@]}" -eq 0 ] && paths=(.)
flags=(--fail-on "${TRUSTGATE_FAIL_ON:-high}")
if [ -n "${TRUSTGATE_CONFIG:-}" ] && [ -f "$TRUSTGATE_CONFIG" ]; then flags+=(--config "$TRUSTGATE_CONFIG"); fi
if [ -n "${TRUSTGATE_BASE:-}" ]; then flags+=(--base "$TRUSTGATE_BASE"); fi

"${cli[@]}" "${paths[@]}" "${flags[@]}" --format text
code=$?
sarif="${TRUSTGATE_SARIF_FILE:-trustgate.sarif}"
# Fixed findings are left out of the SARIF: code scanning reads no baselineState and would open an alert
# for each "absent" result; it closes an alert by itself once an analysis no longer reports it.
"${cli[@]}" "${paths[@]}" "${flags[@]}" --format sarif --sarif-fixed omit > "$sarif"
# 1 is the verdict, already said above; 2 means the SARIF may be incomplete.
[ $? -gt 1 ] && echo "::warning::trustgate could not write complete SARIF to $sarif"
echo "exit-code=$code" >> "${GITHUB_OUTPUT:?}"
echo "sarif-file=$sarif" >> "$GITHUB_OUTPUT"
exit 0
