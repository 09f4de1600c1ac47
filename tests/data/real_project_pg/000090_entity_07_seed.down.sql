DELETE FROM entity_07 WHERE name LIKE 'seed %; row';
