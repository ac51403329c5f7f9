# test/bench/pgbench_lib.sh — helpers for the pgbench comparisons in
# test/bench/*.sh: throughput of a script under a commit mode, medians of
# interleaved runs, and one report line of ratios to the plain baseline.

BENCH_SECONDS=${BENCH_SECONDS:-15}
BENCH_RUNS=${BENCH_RUNS:-3}
# the issues' targets are for 2 clients; more show what contention does
# (docs/events.md, "Many writers": BENCH=events BENCH_CLIENTS=8 make bench)
BENCH_CLIENTS=${BENCH_CLIENTS:-2}

# tps of one pgbench run: $1 script, $2 synchronous_commit, $3 database, $4 extra PGOPTIONS
run_tps() {
	PGOPTIONS="-c synchronous_commit=$2 ${4:-}" pgbench -n -M prepared -c "$BENCH_CLIENTS" -j 2 -T "$BENCH_SECONDS" \
		-f "$1" "$3" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}

median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }

# compare DB LABEL:SCRIPT[:PGOPTIONS] ... — the first is the baseline; for
# durable commits and synchronous_commit = off, BENCH_RUNS interleaved runs
# of each, then one line per mode: the median tps of each and its share of
# the baseline (the figure the targets are judged by), and under it each
# round's share (a variant's run against the baseline's run just before
# it), which shows how far the machine moved between rounds.
compare_tps() {
	local db=$1 sc spec i
	shift
	printf '%-24s' "commits"
	for spec in "$@"; do printf ' %14s' "${spec%%:*} tps"; done
	for spec in "${@:2}"; do printf ' %10s' "${spec%%:*}"; done
	echo
	for sc in on off; do
		declare -A runs=()
		for i in $(seq 1 "$BENCH_RUNS"); do
			for spec in "$@"; do
				IFS=: read -r label script opts <<<"$spec"
				runs[$label]="${runs[$label]:-} $(run_tps "$script" $sc "$db" "$opts")"
			done
		done
		printf '%-24s' "$([ $sc = on ] && echo durable || echo synchronous_commit=off)"
		local base=
		for spec in "$@"; do
			label=${spec%%:*}
			m=$(median ${runs[$label]})
			[ -z "$base" ] && base=$m
			printf ' %14.0f' "$m"
			meds[$label]=$m
		done
		for spec in "${@:2}"; do
			label=${spec%%:*}
			awk -v a="${meds[$label]}" -v p="$base" 'BEGIN { printf " %9.0f%%", 100 * a / p }'
		done
		echo
		local baseline=${1%%:*}
		for spec in "${@:2}"; do
			label=${spec%%:*}
			awk -v a="${runs[$label]}" -v p="${runs[$baseline]}" -v l="$label" 'BEGIN {
				n = split(a, x, " "); split(p, y, " "); printf "  %s, each round:", l
				for (i = 1; i <= n; i++) printf " %.0f%%", (y[i] > 0 ? 100 * x[i] / y[i] : 0)
				printf "\n" }'
		done
		unset runs
	done
}
declare -A meds=()
