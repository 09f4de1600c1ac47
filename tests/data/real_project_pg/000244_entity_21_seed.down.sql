DELETE FROM entity_21 WHERE name LIKE 'seed %; row';
