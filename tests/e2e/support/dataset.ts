// A non-trivial dataset for the master: several tables with indexes, a
// foreign key, an enum, jsonb, bytea, a view and a sequence; ~60-80 MB.
export const DATASET_SQL = `
CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped', 'cancelled');
CREATE TABLE customers (
  id int PRIMARY KEY, name text NOT NULL, email text NOT NULL, created_at timestamptz NOT NULL
);
INSERT INTO customers
  SELECT g, 'customer ' || g, 'c' || g || '@example.test', timestamptz '2024-01-01' + g * interval '1 minute'
  FROM generate_series(1, 50000) g;
CREATE UNIQUE INDEX customers_email ON customers (email);

CREATE TABLE orders (
  id bigint PRIMARY KEY, customer_id int NOT NULL REFERENCES customers(id),
  amount numeric(12,2) NOT NULL, status order_status NOT NULL, payload jsonb NOT NULL
);
INSERT INTO orders
  SELECT g, 1 + (g::bigint * 7919) % 50000, round(((g::bigint * 104729) % 100000) / 100.0, 2),
         (ARRAY['new','paid','shipped','cancelled']::order_status[])[1 + g % 4],
         jsonb_build_object('sku', 'sku-' || (g % 977), 'qty', g % 13, 'note', md5(g::text))
  FROM generate_series(1, 300000) g;
CREATE INDEX orders_customer ON orders (customer_id);
CREATE INDEX orders_status_amount ON orders (status, amount);

CREATE TABLE events (
  id bigserial PRIMARY KEY, kind text NOT NULL, body text NOT NULL, blob bytea
);
INSERT INTO events (kind, body, blob)
  SELECT 'kind-' || (g % 17), md5(g::text) || md5((g * 3)::text) || md5((g * 7)::text), decode(md5(g::text), 'hex')
  FROM generate_series(1, 200000) g;
CREATE INDEX events_kind ON events (kind);

CREATE VIEW paid_totals AS
  SELECT customer_id, sum(amount) AS total FROM orders WHERE status = 'paid' GROUP BY customer_id;
ANALYZE;
`;

/** Writes between bakes: new rows, an update and DDL. */
export const SECOND_WAVE_SQL = `
INSERT INTO events (kind, body) SELECT 'wave-2', md5(g::text) FROM generate_series(1, 1000) g;
UPDATE customers SET name = name || ' (updated)' WHERE id <= 100;
CREATE TABLE wave2_marker (id int PRIMARY KEY, note text);
INSERT INTO wave2_marker VALUES (1, 'written after the first bake');
`;
