COMMENT ON TABLE entity_04 IS 'The entity_04 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_04.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_04_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
