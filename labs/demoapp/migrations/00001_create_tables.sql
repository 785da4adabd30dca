-- +goose NO TRANSACTION
-- +goose Up
CREATE TABLE IF NOT EXISTS plans (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text    NOT NULL,
    price_cents integer NOT NULL
);

CREATE TABLE IF NOT EXISTS accounts (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email      text        NOT NULL,
    plan       text        NOT NULL DEFAULT 'free',
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per run of a one-time step: the lab's witness, kept by the
-- database itself.
CREATE TABLE IF NOT EXISTS migration_runs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    step        text        NOT NULL,
    holder      text        NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz
);

-- +goose Down
DROP TABLE IF EXISTS migration_runs;
DROP TABLE IF EXISTS accounts;
DROP TABLE IF EXISTS plans;
