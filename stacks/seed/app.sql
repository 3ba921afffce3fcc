-- Seed data for the dev stack's first bake: a small read-mostly catalog, the workload baked replicas fit.
CREATE TABLE categories (id int PRIMARY KEY, name text NOT NULL UNIQUE);
CREATE TABLE products (
    id int PRIMARY KEY,
    category_id int NOT NULL REFERENCES categories(id),
    sku text NOT NULL UNIQUE,
    title text NOT NULL,
    price_cents int NOT NULL CHECK (price_cents >= 0)
);
CREATE INDEX products_category_idx ON products (category_id);
INSERT INTO categories SELECT g, 'category-' || g FROM generate_series(1, 20) g;
INSERT INTO products SELECT g, 1 + g % 20, 'SKU-' || lpad(g::text, 6, '0'), 'Product ' || g, (g * 37) % 10000 FROM generate_series(1, 2000) g;
