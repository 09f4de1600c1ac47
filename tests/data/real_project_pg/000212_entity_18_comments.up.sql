COMMENT ON TABLE entity_18 IS 'The entity_18 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_18.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_18_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
