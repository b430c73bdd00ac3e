#!/usr/bin/env bash
# The logic of the ai-interop GitHub Action (action.yml), kept here so it runs and is tested
# outside GitHub (tests/it/action.rs runs it with a fake GITHUB_STEP_SUMMARY and GITHUB_OUTPUT).
#
# Inputs (environment):
#   INPUT_TARGET   artifact reference for `check`, `registry` for the registry suite, or empty
#                  for the self-test over the golden fixtures
#   INPUT_PROFILE  the claimed profile (default core)
#   INPUT_OUT      report directory (default ai-interop-report)
#   INPUT_FAIL_ON  failure (default): fail on a failed profile or a harness error;
#                  partial: also on partial; never: report only
#   AI_INTEROP     the ai-interop binary (default: ai-interop on PATH)
# Outputs (GITHUB_OUTPUT): result (success|partial|failure|error), exit-code, should-fail,
#   report-dir, html, junit.
# It exits 0 once the outputs are written, so that the reports are uploaded before the action's
# last step fails the job on should-fail=true; it exits 2 only on bad inputs.
set -uo pipefail

target="${INPUT_TARGET:-}"
profile="${INPUT_PROFILE:-core}"
out="${INPUT_OUT:-ai-interop-report}"
fail_on="${INPUT_FAIL_ON:-failure}"
bin="${AI_INTEROP:-ai-interop}"
summary="${GITHUB_STEP_SUMMARY:-/dev/null}"
outputs="${GITHUB_OUTPUT:-/dev/null}"

case "$fail_on" in
failure | partial | never) ;;
*)
    echo "::error::fail-on must be failure, partial or never (got '$fail_on')"
    exit 2
    ;;
esac

if [[ -z "$target" ]]; then
    cmd=(run)
elif [[ "$target" == registry ]]; then
    cmd=(run registry)
else
    cmd=(check "$target")
fi
cmd+=(--profile "$profile" --out "$out" --format json)

echo "ai-interop ${cmd[*]}"
"$bin" "${cmd[@]}" >/dev/null
code=$?

# The claimed profile's verdict, from its shields endpoint badge ("message":"partial (41/45)").
badge="$out/badge-$(printf '%s' "$profile" | tr -c 'A-Za-z0-9_-' '_').json"
result=error
if [[ $code -le 1 && -f "$badge" ]]; then
    result=$(sed -n 's/.*"message":"\([a-z]*\).*/\1/p' "$badge")
    [[ -n "$result" ]] || result=error
elif [[ $code -le 1 ]]; then
    # The profile was not rolled up (not every requirement was evaluated).
    result=failure
fi

should_fail=false
case "$fail_on:$result" in
never:*) ;;
failure:failure | failure:error | partial:failure | partial:error | partial:partial) should_fail=true ;;
esac
# A non-conformant run fails unless the user said never, whatever the badge says.
if [[ $code -ne 0 && "$fail_on" != never ]]; then
    should_fail=true
fi

{
    if [[ -f "$out/report.md" ]]; then
        # GitHub caps a step summary at 1 MiB.
        head -c 900000 "$out/report.md"
        if [[ $(wc -c <"$out/report.md") -gt 900000 ]]; then
            printf '\n\n… cut; the full report is in the uploaded artifact (report.md, report.html).\n'
        fi
    else
        printf '## ai-interop\n\nNo report was written (exit code %s); see the step log.\n' "$code"
    fi
} >>"$summary"

{
    echo "result=$result"
    echo "exit-code=$code"
    echo "should-fail=$should_fail"
    echo "report-dir=$out"
    echo "html=$out/report.html"
    echo "junit=$out/report.junit.xml"
} >>"$outputs"

echo "ai-interop: profile $profile: $result (exit code $code, fail-on $fail_on → should-fail=$should_fail)"
exit 0
