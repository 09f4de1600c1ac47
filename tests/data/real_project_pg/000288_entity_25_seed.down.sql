DELETE FROM entity_25 WHERE name LIKE 'seed %; row';
