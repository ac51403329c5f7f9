#!/usr/bin/env bash
# The worked consumer of docs/events.md (docs/examples/event_consumer.py):
# it drains what is waiting, wakes on a notification for a new event,
# retries a failing event and gives it up to the dead letters at the limit,
# and picks up where it stopped after a restart.
set -u
cd "$(dirname "$0")/../.."
. test/tap/lib.sh
work=$(mktemp -d)
db=tap_events_consumer
trap 'kill $pid 2>/dev/null; rm -rf "$work"; dropdb --if-exists $db >/dev/null 2>&1' EXIT
pid=
PY=${PYTHON:-/usr/bin/python3}
dropdb --if-exists $db >/dev/null 2>&1
createdb $db
dsn="dbname=$db host=$PGHOST port=$PGPORT user=$PGUSER"
q -d $db >/dev/null <<'SQL'
CREATE EXTENSION procgov;
SELECT procgov.register_consumer('tap-sync', false, 2);
SELECT procgov.emit('po.approved', 'purchase_order:ACME:PO-' || g, jsonb_build_object('n', g)) FROM generate_series(1, 3) g;
SQL

"$PY" docs/examples/event_consumer.py "$dsn" tap-sync --once >"$work/once.out" 2>&1
ok $? "the consumer drains what is waiting and exits (--once)"
is "$(cat "$work/once.out" | tr '\n' ' ')" "1 po.approved purchase_order:ACME:PO-1 2 po.approved purchase_order:ACME:PO-2 3 po.approved purchase_order:ACME:PO-3 " \
   "it handles the three waiting events in order"
is "$(q -d $db -c "SELECT acknowledged FROM procgov.consumer WHERE consumer = 'tap-sync'")" 3 "and acknowledges them"

# running for ever: a new event wakes it through LISTEN, long before its 30 s fallback poll
"$PY" docs/examples/event_consumer.py "$dsn" tap-sync >"$work/live.out" 2>&1 &
pid=$!
sleep 1
q -d $db -c "SELECT procgov.emit('po.transmitted', 'purchase_order:ACME:PO-2', '{}')" >/dev/null
for _ in $(seq 1 50); do grep -q 'po.transmitted' "$work/live.out" && break; sleep 0.1; done
is "$(grep -c 'po.transmitted' "$work/live.out")" 1 "a notification wakes it for a new event within 5 seconds"
kill $pid; wait $pid 2>/dev/null; pid=

# stopped: events emitted meanwhile are handled after the restart, none twice
q -d $db -c "SELECT procgov.emit('receipt.posted', 'receipt:ACME:GR-' || g, '{}') FROM generate_series(1, 2) g" >/dev/null
"$PY" docs/examples/event_consumer.py "$dsn" tap-sync --once >"$work/restart.out" 2>&1
is "$(wc -l <"$work/restart.out" | tr -d ' ')" 2 "after a restart it handles exactly the events it missed"

# a handler that fails: retried, then dead-lettered at the consumer's retry limit (2)
cat >"$work/failing.py" <<'PY'
import runpy, sys
sys.argv = [sys.argv[0]] + sys.argv[1:]
mod = runpy.run_path("docs/examples/event_consumer.py", run_name="consumer")
def handle(event):
    if event["type"] == "invoice.received":
        raise RuntimeError("ERP rejected invoice " + event["aggregate"]["id"])
    print(event["id"], event["type"], flush=True)
mod["drain"].__globals__["handle"] = handle
mod["main"]()
PY
q -d $db -c "SELECT procgov.emit('invoice.received', 'invoice:ACME:INV-9', '{}'); SELECT procgov.emit('po.acknowledged', 'purchase_order:ACME:PO-3', '{}')" >/dev/null
"$PY" "$work/failing.py" "$dsn" tap-sync --once >"$work/failing.out" 2>&1
ok $? "a failing handler does not stop the consumer"
is "$(q -d $db -c "SELECT errors FROM procgov.dead_letter WHERE consumer = 'tap-sync'")" \
   '{"ERP rejected invoice ACME:INV-9","ERP rejected invoice ACME:INV-9"}' "the failing event is dead-lettered after two attempts, with both errors"
is "$(grep -c 'po.acknowledged' "$work/failing.out")" 1 "and the consumer moves on to the next event"
done_testing
