DELETE FROM entity_22 WHERE name LIKE 'seed %; row';
