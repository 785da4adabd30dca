-- Exercise 06: who waits for whom. One row per session of this database that
-- is doing something (idle connections, such as goose's spare one, are left
-- out); blocked_by lists the sessions each one waits for (pg_blocking_pids).
SELECT pid,
       application_name AS app,
       state,
       wait_event_type || ':' || wait_event AS waits_for,
       pg_blocking_pids(pid) AS blocked_by,
       left(regexp_replace(query, '\s+', ' ', 'g'), 40) AS query
FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'
ORDER BY pid;
