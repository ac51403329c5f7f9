#!/usr/bin/env python3
"""A procgov event consumer: wakes on LISTEN procgov_events, reads the
outbox with procgov.poll(), handles each event and acknowledges it.

It never misses an event: the notification is only a wake-up call, the
outbox is the record, and the consumer's position lives in the database.
A crash between handling and acknowledging means the event comes again
(at-least-once), so handle() must tolerate a repeat.

    python3 event_consumer.py "dbname=erp" erp-sync          # run for ever
    python3 event_consumer.py "dbname=erp" erp-sync --once   # drain and exit

Needs psycopg2 (Debian: python3-psycopg2) and a role with procgov_consumer.
"""
import select
import sys

import psycopg2


def handle(event):
    """Your code: call a webhook, update the ERP, write to a queue, ..."""
    agg = event["aggregate"]
    print(f'{event["id"]} {event["type"]} {agg["kind"]}:{agg["id"]}', flush=True)


def drain(conn, consumer):
    """Poll, handle and acknowledge until the consumer has nothing left."""
    while True:
        with conn.cursor() as cur:
            cur.execute("SELECT id, envelope, claim FROM procgov.poll(%s, 100)", (consumer,))
            rows = cur.fetchall()
        conn.commit()
        if not rows:
            return
        claim = rows[0][2]          # refuses our ack if the lease lapsed meanwhile
        for event_id, envelope, _ in rows:
            try:
                handle(envelope)
            except Exception as err:  # noqa: BLE001 - any failure is reported to procgov
                with conn.cursor() as cur:
                    # the events before this one count as done; this one comes
                    # again, or goes to procgov.dead_letter at the retry limit
                    cur.execute("SELECT procgov.nack(%s, %s, %s, %s)", (consumer, event_id, str(err), claim))
                conn.commit()
                break
        else:
            with conn.cursor() as cur:
                cur.execute("SELECT procgov.ack(%s, %s, %s)", (consumer, rows[-1][0], claim))
            conn.commit()


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: event_consumer.py DSN CONSUMER [--once]")
    dsn, consumer = sys.argv[1], sys.argv[2]
    conn = psycopg2.connect(dsn)
    listener = psycopg2.connect(dsn)
    listener.autocommit = True
    listener.cursor().execute("LISTEN procgov_events")
    while True:
        drain(conn, consumer)          # also catches up after a restart
        if "--once" in sys.argv:
            return
        # sleep until a notification, and poll anyway every 30 seconds
        if select.select([listener], [], [], 30) != ([], [], []):
            listener.poll()
            listener.notifies.clear()


if __name__ == "__main__":
    main()
