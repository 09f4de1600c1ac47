COMMENT ON TABLE entity_06 IS 'The entity_06 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_06.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_06_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
