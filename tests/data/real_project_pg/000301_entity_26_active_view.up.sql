CREATE VIEW entity_26_active AS
    SELECT id, name, entity_26_slug(name) AS slug, email, status
    FROM entity_26
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
