CREATE VIEW entity_21_active AS
    SELECT id, name, entity_21_slug(name) AS slug, email, status
    FROM entity_21
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
