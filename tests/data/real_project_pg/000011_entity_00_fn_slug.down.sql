DROP FUNCTION entity_00_token(int);
DROP FUNCTION entity_00_slug(text);
