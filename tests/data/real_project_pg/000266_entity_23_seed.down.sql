DELETE FROM entity_23 WHERE name LIKE 'seed %; row';
