CREATE VIEW entity_28_active AS
    SELECT id, name, entity_28_slug(name) AS slug, email, status
    FROM entity_28
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
