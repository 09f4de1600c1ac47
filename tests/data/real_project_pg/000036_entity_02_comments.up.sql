COMMENT ON TABLE entity_02 IS 'The entity_02 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_02.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_02_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
