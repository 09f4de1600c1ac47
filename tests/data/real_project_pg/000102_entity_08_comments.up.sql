COMMENT ON TABLE entity_08 IS 'The entity_08 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_08.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_08_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
