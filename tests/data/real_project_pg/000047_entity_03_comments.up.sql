COMMENT ON TABLE entity_03 IS 'The entity_03 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_03.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_03_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
