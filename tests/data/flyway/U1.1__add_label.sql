CREATE TABLE fw_items_tmp (id INTEGER PRIMARY KEY);
INSERT INTO fw_items_tmp SELECT id FROM fw_items;
DROP TABLE fw_items;
ALTER TABLE fw_items_tmp RENAME TO fw_items;
