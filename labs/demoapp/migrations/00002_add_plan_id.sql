-- +goose NO TRANSACTION
-- +goose Up
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS plan_id bigint;

-- +goose Down
ALTER TABLE accounts DROP COLUMN IF EXISTS plan_id;
