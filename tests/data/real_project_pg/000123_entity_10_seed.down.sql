DELETE FROM entity_10 WHERE name LIKE 'seed %; row';
