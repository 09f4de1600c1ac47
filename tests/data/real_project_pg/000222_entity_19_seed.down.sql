DELETE FROM entity_19 WHERE name LIKE 'seed %; row';
