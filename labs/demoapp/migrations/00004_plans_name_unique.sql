-- +goose NO TRANSACTION
-- +goose Up
-- CONCURRENTLY so that a live plans table is not locked against writes while
-- the index builds. If the build fails (duplicate names), Postgres leaves the
-- index behind marked INVALID, and every later run of this statement fails
-- with "already exists".
CREATE UNIQUE INDEX CONCURRENTLY plans_name_key ON plans (name);

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS plans_name_key;
