COMMENT ON TABLE entity_07 IS 'The entity_07 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_07.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_07_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
