-- SQLite's 12-step table change (https://www.sqlite.org/lang_altertable.html):
-- with foreign keys ON, DROP TABLE parent would cascade into child.
-- +up
PRAGMA foreign_keys=OFF;
BEGIN;
CREATE TABLE new_parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '', kind TEXT);
INSERT INTO new_parent (id, name) SELECT id, coalesce(name, '') FROM parent;
DROP TABLE parent;
ALTER TABLE new_parent RENAME TO parent;
PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys=ON;
-- +down
PRAGMA foreign_keys=OFF;
BEGIN;
CREATE TABLE old_parent (id INTEGER PRIMARY KEY, name TEXT);
INSERT INTO old_parent (id, name) SELECT id, name FROM parent;
DROP TABLE parent;
ALTER TABLE old_parent RENAME TO parent;
COMMIT;
PRAGMA foreign_keys=ON;
