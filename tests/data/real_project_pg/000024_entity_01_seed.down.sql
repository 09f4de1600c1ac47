DELETE FROM entity_01 WHERE name LIKE 'seed %; row';
