-- +up
CREATE TABLE cc_items (id bigserial PRIMARY KEY, label text);
INSERT INTO cc_items (label) SELECT md5(g::text) FROM generate_series(1, 20000) g;
-- +down
DROP TABLE cc_items;
