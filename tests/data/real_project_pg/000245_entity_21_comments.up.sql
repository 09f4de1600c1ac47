COMMENT ON TABLE entity_21 IS 'The entity_21 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_21.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_21_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
