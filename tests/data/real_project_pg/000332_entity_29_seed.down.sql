DELETE FROM entity_29 WHERE name LIKE 'seed %; row';
