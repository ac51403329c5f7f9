#!/usr/bin/env bash
# procgov's jobs under real pg_cron: in the database pg_cron lives in
# (cron.database_name), schedule_jobs() registers them under stable names
# and unschedule_jobs() removes them; in another database it returns the
# cron.schedule_in_database() commands, which, run where pg_cron lives,
# make pg_cron run the job in procgov's database: we wait (bounded) for the
# run it records.  pg_cron 1.4 schedules by the minute, so this takes up to
# a minute.
set -u
cd "$(dirname "$0")/../.."
. test/tap/lib.sh
crondb=$(q -d postgres -c "SHOW cron.database_name")
cleanup() {
	q -d "$crondb" -c "SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname LIKE 'procgov:%'" >/dev/null 2>&1
	q -d "$crondb" -c "DROP EXTENSION IF EXISTS procgov" >/dev/null 2>&1
	dropdb --if-exists tap_jobs >/dev/null 2>&1
}
trap cleanup EXIT
cleanup
q -d "$crondb" -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS pg_cron; CREATE EXTENSION procgov"

# pg_cron here: scheduled directly, replaced by name, removed
got=$(q -d "$crondb" -c "SELECT string_agg(job || '=' || scheduled, ',' ORDER BY job) FROM procgov.schedule_jobs()")
is "$got" "escalations=true,match_pending=true,reconciliation=true,seal_audit=true,supplier_performance=true" "schedule_jobs() schedules every job where pg_cron lives"
q -d "$crondb" -c "SELECT count(*) FROM procgov.schedule_jobs(escalations => '*/5 * * * *')" >/dev/null
got=$(q -d "$crondb" -c "SELECT count(*) || ' ' || max(schedule) FILTER (WHERE jobname LIKE '%:escalations') FROM cron.job WHERE jobname LIKE 'procgov:$crondb:%'")
is "$got" "5 */5 * * * *" "scheduling again replaces the jobs by name (five, the new schedule)"
got=$(q -d "$crondb" -c "SELECT count(*) FILTER (WHERE unscheduled) FROM procgov.unschedule_jobs()")
is "$got" "5" "unschedule_jobs() removes all five"
is "$(q -d "$crondb" -c "SELECT count(*) FROM cron.job WHERE jobname LIKE 'procgov:%'")" "0" "no procgov job is left in cron.job"

# pg_cron elsewhere: the commands to run there, which make pg_cron run the job here
createdb tap_jobs
q -d tap_jobs -c "SET client_min_messages = warning; CREATE EXTENSION procgov"
cmds=$(q -d tap_jobs -c "SELECT string_agg(command, ' ') FROM procgov.schedule_jobs(escalations => '* * * * *',
	reconciliation => NULL, supplier_performance => NULL, match_pending => NULL, seal_audit => NULL) WHERE NOT scheduled" 2>/dev/null)
case "$cmds" in *"cron.schedule_in_database('procgov:tap_jobs:escalations', '* * * * *', 'SELECT procgov.run_escalations()', 'tap_jobs')"*) r=0 ;; *) r=1 ;; esac
ok $r "schedule_jobs() in another database returns the cron.schedule_in_database() command"
q -d "$crondb" -c "$cmds" >/dev/null
ok $? "the command runs in pg_cron's database"
start=$(date +%s)
runs=0
while [ $(( $(date +%s) - start )) -lt 90 ]; do
	runs=$(q -d tap_jobs -c "SELECT count(*) FROM procgov.job_run WHERE job = 'escalations' AND status = 'succeeded'")
	[ "$runs" -gt 0 ] && break
	sleep 2
done
ok $([ "$runs" -gt 0 ] && echo 0 || echo 1) "pg_cron ran the escalations job in tap_jobs within 90 s ($(( $(date +%s) - start )) s)"
got=$(q -d "$crondb" -c "SELECT d.status FROM cron.job_run_details d JOIN cron.job j USING (jobid)
	WHERE j.jobname = 'procgov:tap_jobs:escalations' ORDER BY d.runid DESC LIMIT 1")
is "$got" "succeeded" "cron.job_run_details records the run as succeeded"
is "$(q -d tap_jobs -c "SELECT run_by FROM procgov.job_run ORDER BY run_id DESC LIMIT 1")" "postgres" "the run is recorded with the role that scheduled it"
cmds=$(q -d tap_jobs -c "SELECT string_agg(command, ' ') FROM procgov.unschedule_jobs()" 2>/dev/null)
q -d "$crondb" -c "$cmds" >/dev/null
is "$(q -d "$crondb" -c "SELECT count(*) FROM cron.job WHERE jobname LIKE 'procgov:tap_jobs:%'")" "0" "the unschedule commands remove it"
done_testing
