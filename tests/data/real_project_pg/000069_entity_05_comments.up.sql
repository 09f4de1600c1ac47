COMMENT ON TABLE entity_05 IS 'The entity_05 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_05.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_05_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
