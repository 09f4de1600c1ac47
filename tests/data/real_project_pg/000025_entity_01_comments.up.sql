COMMENT ON TABLE entity_01 IS 'The entity_01 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_01.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_01_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
