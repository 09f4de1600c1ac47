DELETE FROM entity_17 WHERE name LIKE 'seed %; row';
