DELETE FROM entity_26 WHERE name LIKE 'seed %; row';
