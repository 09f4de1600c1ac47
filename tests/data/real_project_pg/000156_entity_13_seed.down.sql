DELETE FROM entity_13 WHERE name LIKE 'seed %; row';
