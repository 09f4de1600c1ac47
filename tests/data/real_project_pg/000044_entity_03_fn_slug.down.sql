DROP FUNCTION entity_03_token(int);
DROP FUNCTION entity_03_slug(text);
