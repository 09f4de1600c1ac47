COMMENT ON TABLE entity_13 IS 'The entity_13 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_13.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_13_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
