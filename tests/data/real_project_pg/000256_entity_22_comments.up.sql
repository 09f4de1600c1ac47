COMMENT ON TABLE entity_22 IS 'The entity_22 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_22.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_22_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
