DELETE FROM entity_20 WHERE name LIKE 'seed %; row';
