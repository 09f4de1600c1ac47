DELETE FROM entity_02 WHERE name LIKE 'seed %; row';
