COMMENT ON TABLE entity_09 IS 'The entity_09 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_09.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_09_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
