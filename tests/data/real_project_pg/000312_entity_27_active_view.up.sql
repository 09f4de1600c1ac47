CREATE VIEW entity_27_active AS
    SELECT id, name, entity_27_slug(name) AS slug, email, status
    FROM entity_27
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
