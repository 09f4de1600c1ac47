DROP FUNCTION entity_16_token(int);
DROP FUNCTION entity_16_slug(text);
