# test/tap/lib.sh — helpers for the TAP scripts in test/tap, which test/run
# runs against its throwaway cluster (PGHOST, PGPORT, PGUSER exported).
n=0
failed=0
ok() {	# ok CONDITION-EXIT-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}
is() {	# is GOT WANT DESCRIPTION
	n=$((n + 1))
	if [ "$1" = "$2" ]; then echo "ok $n - $3"; else echo "not ok $n - $3 # got '$1', want '$2'"; failed=1; fi
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
done_testing() { echo "1..$n"; exit $failed; }
