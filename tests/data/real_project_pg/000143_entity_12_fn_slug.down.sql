DROP FUNCTION entity_12_token(int);
DROP FUNCTION entity_12_slug(text);
