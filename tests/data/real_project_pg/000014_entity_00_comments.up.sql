COMMENT ON TABLE entity_00 IS 'The entity_00 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_00.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_00_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
