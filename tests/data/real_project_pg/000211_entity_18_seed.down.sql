DELETE FROM entity_18 WHERE name LIKE 'seed %; row';
