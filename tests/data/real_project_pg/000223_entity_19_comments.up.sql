COMMENT ON TABLE entity_19 IS 'The entity_19 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_19.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_19_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
