DELETE FROM entity_28 WHERE name LIKE 'seed %; row';
