DELETE FROM entity_12 WHERE name LIKE 'seed %; row';
